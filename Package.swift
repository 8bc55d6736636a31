// swift-tools-version:6.1
// Switchboard: a multi-org real-time bridge for Genesys Cloud.
// One target per layer (see docs/architecture.md):
//   SwitchboardCore  shared primitives: typed errors, Secret, clocks, the BridgeEvent schema, view-change contract
//   SwitchboardConfig the orgs YAML: model, loader, validation with file:line:column diagnostics
//   GenesysAPI       the Genesys Cloud wire: regions, OAuth, REST client, notification envelope models
//   Connector        per-org lifecycles (token, channel, watchdog, backoff) as pure state machines + actors, supervisor
//   Normalizer       pure functions: raw Genesys payloads -> BridgeEvent
//   Views            occupancy, agents, queues: deterministic state machines emitting entity changes
//   Store            history and durability: the backend-neutral HistoryStore, its SQLite backend and writer
//   PostgresStore    the HistoryStore on PostgreSQL (several replicas, one database): schema, migrations, URL
//   SpeechText       speech text: keyword matching and VADER sentiment of transcripts (pure; depends on SwitchboardCore)
//   Journeys         customer journeys: events, customer keys, the journey stitcher and figures (pure)
//   JourneyViews     customer journeys wired: one stitcher per org, journeys topics, lookups, EventBridge ingest
//   SpeechViews      speech analytics views: AudioHook sessions joined to conversations, rollups, speech topics
//   OpusCodec        a safe wrapper over libopus (COpus system library)
//   KeywordSpotting  on-box keyword spotting with CMU PocketSphinx (CPocketSphinx system library), worker pool
//   AudioConnector   the seed's client-initiated Audio Connector: discovery, subscription, Opus fragments, reassembly
//   EventStream      the seed's journey event stream: callback socket, subscription and its verification, frames
//   Audio            AudioHook (Genesys audio streaming): messages, signed upgrades, session state machine, PCMU/L16, voice activity
//   Hub              downstream WebSocket fan-out, auth scopes, history/recovery, HTTP endpoints, dashboard
//   Simulator        a wire-faithful Genesys Cloud stand-in with ground truth and faults
//   Cluster          scale-out: which replica leads which org (pure leadership state machine, rendezvous spread, fencing terms)
//   ClusterPostgres  the leadership machine run against PostgreSQL: dedicated session, advisory locks, terms, heartbeats
//   Bridge           composition root: wires connectors -> normalizer -> views -> hub into one ServiceGroup
//   switchboard      the CLI
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-bench", targets: ["switchboard-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // permessage-deflate on the stream (Hub): hummingbird-websocket's own compression library.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The store's PostgreSQL backend (PostgresStore): a pooled client, binds by string interpolation.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "SwitchboardCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SwitchboardConfig",
            dependencies: [
                "SwitchboardCore",
                // `journeys:` is read with the journeys' own rules (identity sources, countries, display modes).
                "Journeys",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                // RS256 keys are parsed with the hub's parser, so check-config refuses what the hub could not use.
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "GenesysAPI",
            dependencies: [
                "SwitchboardCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Normalizer",
            dependencies: ["SwitchboardCore", "Journeys"],
            swiftSettings: strict
        ),
        .target(
            name: "Views",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig",
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // The VADER lexicon and its MIT licence ship as a resource folder (docs/speech-text.md).
        .target(
            name: "SpeechText",
            dependencies: ["SwitchboardCore"],
            resources: [.copy("VADER")],
            swiftSettings: strict
        ),
        .target(
            name: "SpeechViews",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // What is said on calls: keyword hits and sentiment joined to agents and queues (docs/speech-text.md).
        .target(
            name: "SpeechTextViews",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig", "SpeechText", "SpeechViews",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Customer journeys, the pure core (docs/journeys.md): events, customer keys, the stitcher, figures.
        .target(
            name: "Journeys",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // Customer journeys wired (docs/journeys.md): a stitcher per org, the journeys topics, reads, EventBridge.
        .target(
            name: "JourneyViews",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig", "Journeys", "Normalizer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // zlib, for the store's document compression (the Makefile installs zlib1g-dev).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libopus, for the seed Audio Connector's Opus frames (the Makefile installs libopus-dev).
        .systemLibrary(name: "COpus", path: "Sources/COpus", providers: [.apt(["libopus-dev"])]),
        .target(name: "OpusCodec", dependencies: ["COpus", "SwitchboardCore"], swiftSettings: strict),
        // PocketSphinx 5prealpha (the old API) and its US English model, for on-box keyword spotting (the
        // Makefile installs libpocketsphinx-dev and pocketsphinx-en-us). Headers need pocketsphinx.pc and
        // sphinxbase.pc (pocketsphinx.pc requires the latter).
        .systemLibrary(name: "CPocketSphinx", path: "Sources/CPocketSphinx", pkgConfig: "pocketsphinx",
                       providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]),
        .target(
            name: "KeywordSpotting",
            dependencies: [
                "SwitchboardCore", "CPocketSphinx",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AudioConnector",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig", "Audio", "OpusCodec", "GenesysAPI",
                // The socket owner (SeedAudioConnector): client WebSockets, metrics, logs.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EventStream",
            dependencies: [
                "SwitchboardCore", "GenesysAPI", "Normalizer", "Journeys",
                // The callback socket owner (SeedEventStream): client WebSocket, metrics, logs.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // Scale-out (docs/scale-out.md): the pure leadership state machine; the PostgreSQL driver wires it later.
        .target(name: "Cluster", dependencies: ["SwitchboardCore", "SwitchboardConfig"], swiftSettings: strict),
        // Scale-out's driver (docs/scale-out.md, "The PostgreSQL driver"): LeadershipService runs the machine on one
        // dedicated connection (not a pool: the advisory locks live on that session).
        .target(
            name: "ClusterPostgres",
            dependencies: [
                // PostgresStore: its PostgresURL builds the connection configuration (one meaning of sslmode).
                "Cluster", "SwitchboardConfig", "SwitchboardCore", "PostgresStore",
                // Hub: the shared view stream applies other replicas' deltas to the hub.
                "Hub",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Store",
            dependencies: [
                "SwitchboardCore", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The HistoryStore on PostgreSQL (docs/store.md, "PostgreSQL backend"); the Store target's codecs.
        .target(
            name: "PostgresStore",
            dependencies: [
                "SwitchboardCore", "Store",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Audio",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                // The AudioHookServer's socket side (sessions over the listener's WebSockets) and its metrics.
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Connector",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig", "GenesysAPI", "Normalizer",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Hub",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig", "Store",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Dashboard")],
            swiftSettings: strict
        ),
        .target(
            name: "Simulator",
            dependencies: [
                "SwitchboardCore",
                // The seed Audio Connector's codec types (messages, frames) and the Opus encoder.
                "AudioConnector", "OpusCodec", "SwitchboardConfig",
                // Journeys: the journey id function and customer key policy for the journeys truth.
                "Journeys",
                // The EventBridge push (journeys).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Bridge",
            dependencies: [
                "SwitchboardCore", "SwitchboardConfig", "GenesysAPI", "Connector", "Normalizer", "Views", "Hub", "Simulator",
                "Store", "Audio", "SpeechViews", "SpeechText", "SpeechTextViews", "AudioConnector", "KeywordSpotting",
                "Journeys", "JourneyViews", "EventStream",
                // Cluster mode (docs/scale-out.md): leadership, the shared view stream, the PostgreSQL store.
                "Cluster", "ClusterPostgres", "PostgresStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "Bridge", "SwitchboardConfig", "SwitchboardCore", "Simulator", "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // `switchboard healthcheck` (the container HEALTHCHECK) asks /healthz with it.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // glibc heap statistics for the footprint figures (mallinfo2 is not in Swift's Glibc module).
        .target(name: "CHeapStats", path: "Sources/CHeapStats"),
        .executableTarget(
            name: "switchboard-bench",
            dependencies: [
                "CHeapStats", "Audio", "KeywordSpotting", "Bridge", "Simulator", "Hub", "Views", "Normalizer", "Store", "SwitchboardCore",
                "SwitchboardConfig", "Journeys", "JourneyViews",
                // The audio scenario's Opus row: the seed Audio Connector's path against raw libopus.
                "AudioConnector", "OpusCodec", "COpus",
                // The load clients inflate permessage-deflate messages.
                "CZlib",
                // The cluster scenario: a throw-away PostgreSQL server, and its statistics read over a connection.
                "PostgresTestSupport", "PostgresStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/SwitchboardBench",
            swiftSettings: strict
        ),
        .testTarget(name: "CoreTests", dependencies: ["SwitchboardCore"], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["SwitchboardConfig", "SwitchboardCore", "Journeys"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "SwitchboardCore", "SwitchboardConfig"],
                    swiftSettings: strict),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "SwitchboardCore"], swiftSettings: strict),
        .testTarget(
            name: "KeywordSpottingTests",
            dependencies: [
                "KeywordSpotting", "SwitchboardCore",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "AudioConnectorTests", dependencies: ["AudioConnector", "OpusCodec", "Audio", "SwitchboardCore",
                                                               "SwitchboardConfig", "GenesysAPI",
                                                               .product(name: "MetricsTestKit", package: "swift-metrics"),
                                                               // a small Audio Connector server on loopback
                                                               .product(name: "Hummingbird", package: "hummingbird"),
                                                               .product(name: "HummingbirdWebSocket",
                                                                        package: "hummingbird-websocket"),
                                                               .product(name: "NIOCore", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "EventStreamTests",
                    dependencies: ["EventStream", "Normalizer", "Journeys", "SwitchboardCore",
                                   .product(name: "MetricsTestKit", package: "swift-metrics")],
                    swiftSettings: strict),
        .testTarget(name: "JourneysTests", dependencies: ["Journeys", "SwitchboardCore"], swiftSettings: strict),
        .testTarget(
            name: "JourneyViewsTests",
            dependencies: [
                "JourneyViews", "Journeys", "Normalizer", "SwitchboardCore", "SwitchboardConfig", "Hub",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SpeechTextTests", dependencies: ["SpeechText", "SwitchboardCore"], swiftSettings: strict),
        .testTarget(name: "SpeechViewsTests", dependencies: ["SpeechViews", "SwitchboardCore", "SwitchboardConfig"],
                    swiftSettings: strict),
        .testTarget(name: "SpeechTextViewsTests",
                    dependencies: ["SpeechTextViews", "SpeechText", "SwitchboardCore", "SwitchboardConfig"],
                    swiftSettings: strict),
        .testTarget(name: "NormalizerTests", dependencies: ["Normalizer", "SwitchboardCore", "Journeys"], swiftSettings: strict),
        .testTarget(name: "ViewsTests", dependencies: ["Views", "SwitchboardCore", "SwitchboardConfig"], swiftSettings: strict),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "SwitchboardCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        // One throw-away PostgreSQL server per test process (initdb + pg_ctl from the postgresql package), shared by
        // the test targets that need a real server.
        .target(
            name: "PostgresTestSupport",
            dependencies: [
                "PostgresStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PostgresTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "PostgresTestSupport", "Store", "SwitchboardCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ClusterPostgresTests",
            dependencies: [
                "ClusterPostgres", "Cluster", "PostgresTestSupport", "PostgresStore", "SwitchboardConfig", "SwitchboardCore",
                "Hub",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: [
                "Simulator", "SwitchboardCore", "Audio", "AudioConnector", "OpusCodec", "SwitchboardConfig", "Journeys",
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],  // read from the source tree (SdkSchema.load)
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConnectorTests",
            dependencies: [
                "Connector", "GenesysAPI", "Simulator", "SwitchboardCore", "SwitchboardConfig", "Views", "Normalizer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HubTests",
            dependencies: [
                "Hub", "Store", "SwitchboardCore", "SwitchboardConfig", "CHeapStats", "SpeechViews",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Bridge", "Simulator", "Store", "SwitchboardCore", "SwitchboardConfig", "Hub", "Audio", "Connector",
                "SpeechText", "AudioConnector", "OpusCodec", "GenesysAPI", "KeywordSpotting", "Journeys", "EventStream",
                "Views", "SpeechViews", "SpeechTextViews", "JourneyViews",
                // The scale-out end-to-end tests start a PostgreSQL server of their own.
                "PostgresTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)

// libFuzzer targets (Fuzz/, docs/security.md#fuzzing): added only when SWITCHBOARD_FUZZ=1, so a normal
// `swift build` neither builds nor links them. scripts/fuzz.sh builds them into .build-fuzz with
// `-sanitize=fuzzer` (and `address`); each is an executable that hands its input to one real parser.
if Context.environment["SWITCHBOARD_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzConfig", ["SwitchboardConfig", "SwitchboardCore"]),
        ("FuzzNotification", ["Normalizer", "SwitchboardCore"]),
        ("FuzzRESTBodies", ["Normalizer", "GenesysAPI", "SwitchboardCore"]),
        ("FuzzHubClientFrame", ["Hub", "SwitchboardCore", .product(name: "NIOCore", package: "swift-nio"),
                                .product(name: "NIOWebSocket", package: "swift-nio")]),
        ("FuzzJWT", ["Hub", "SwitchboardConfig", "SwitchboardCore"]),
        ("FuzzAudioHookMessage", ["Audio", "SwitchboardCore"]),
        ("FuzzAudioHookSignature", ["Audio", "SwitchboardCore"]),
        ("FuzzSeedAudio", ["AudioConnector", "OpusCodec", "SwitchboardCore"]),
        ("FuzzEventStream", ["EventStream", "Normalizer", "SwitchboardCore"]),
        ("FuzzEventBridge", ["Normalizer", "SwitchboardCore"]),
        ("FuzzSpeechText", ["SpeechText", "SwitchboardCore"]),
        ("FuzzViewStreamRecord", ["Hub", "Views", "SpeechViews", "SpeechTextViews", "JourneyViews", "SwitchboardCore"]),
        ("FuzzForwardedAudio", ["Cluster", "SwitchboardCore"]),
    ]
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Sources/FuzzDriver", swiftSettings: strict))
    for t in fuzzTargets {
        package.targets.append(.executableTarget(name: t.name, dependencies: ["FuzzDriver"] + t.dependencies,
                                                 path: "Fuzz/Sources/\(t.name)", swiftSettings: strict))
    }
}
