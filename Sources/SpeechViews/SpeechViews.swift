import SwitchboardCore

/// The speech analytics views (docs/protocol.md, "Speech topics"): AudioHook sessions joined to the
/// conversations the connectors know, rolled up per agent, queue, org and globally.
public enum SpeechViews {}
