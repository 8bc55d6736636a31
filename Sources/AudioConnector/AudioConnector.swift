import SwitchboardCore

/// The seed's client-initiated Audio Connector (`protocol: seed` orgs; docs/audio.md, "The seed Audio
/// Connector"): endpoint discovery, the subscription, binary frames carrying Opus packets in fragments,
/// reassembly, and the connection lifecycle — feeding the same speech analytics as AudioHook.
public enum AudioConnector {}
