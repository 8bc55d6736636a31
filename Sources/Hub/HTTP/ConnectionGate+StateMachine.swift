extension ConnectionGate {
    /// What a connection may do before it is an authenticated stream, as a pure state machine: the
    /// ``ConnectionGate`` handler feeds it channel events and carries out the actions it returns.
    ///
    /// - A new connection must deliver its first request head within the header-read timeout.
    /// - The first request, when it asks for a WebSocket on the stream path, waits for an admission
    ///   decision (token, scopes, capacity). Admitted: the head goes on to the upgrader and the gate
    ///   leaves the pipeline. Refused: the head goes on without its `Upgrade` header, so the router
    ///   answers it with 401/403/503 like any HTTP request, and the connection closes after that answer.
    /// - A request head that breaks the decoder's limits is answered `431` (other parse errors `400`)
    ///   and the connection closed.
    struct StateMachine: Sendable, Equatable {
        enum State: Sendable, Equatable {
            /// Not active yet.
            case idle
            /// Active; the first request head has not arrived.
            case awaitingHead
            /// The first request asked for a stream; its admission is being decided.
            case deciding
            /// Serving plain HTTP; `responding` while a response is being written.
            case http(responding: Bool, closeAfterResponse: Bool)
            /// Admitted as a stream (the gate left the pipeline) or closed.
            case done
        }

        /// What a request head is.
        enum HeadKind: Sendable, Equatable {
            case plain
            /// Asks for a WebSocket on the stream path.
            case streamUpgrade
            /// Asks for a WebSocket on the path of a ``WebSocketUpgradeRoute``.
            case routeUpgrade
            /// Asks for an upgrade anywhere else (nothing else upgrades).
            case otherUpgrade
        }

        enum ActivatedAction: Sendable, Equatable {
            case armHeaderTimeout
            /// Over the unauthenticated-connection cap: close without a response.
            case closeOverCapacity
            case none
        }

        enum HeadAction: Sendable, Equatable {
            case forward
            /// Forward without the `Upgrade` header and with `Connection: close`.
            case forwardRefused
            /// Hold the head (and what follows) until ``decided(admit:)``.
            case decide
        }

        enum DecidedAction: Sendable, Equatable {
            /// Forward the held head and parts unchanged, then leave the pipeline.
            case forwardAndLeave
            case forwardRefused
            /// The connection closed meanwhile.
            case none
        }

        enum ErrorAction: Sendable, Equatable {
            /// Answer with this status, then close.
            case respond(status: Int)
            case close
        }

        private(set) var state: State = .idle

        /// The channel became active; `admitted` is false when the cap is reached.
        mutating func activated(admitted: Bool) -> ActivatedAction {
            guard state == .idle else { return .none }
            guard admitted else {
                state = .done
                return .closeOverCapacity
            }
            state = .awaitingHead
            return .armHeaderTimeout
        }

        /// A request head arrived.
        mutating func head(_ kind: HeadKind) -> HeadAction {
            switch state {
            case .awaitingHead:
                switch kind {
                case .plain:
                    state = .http(responding: false, closeAfterResponse: false)
                    return .forward
                case .streamUpgrade, .routeUpgrade:
                    state = .deciding
                    return .decide
                case .otherUpgrade:
                    state = .http(responding: false, closeAfterResponse: true)
                    return .forwardRefused
                }
            case .http(let responding, let closeAfter):
                // A later request on a kept-alive connection: Hummingbird answers a late upgrade with a
                // redirect to a fresh connection, so it passes unchanged.
                state = .http(responding: responding, closeAfterResponse: closeAfter)
                return .forward
            case .idle, .deciding, .done:
                return .forward
            }
        }

        /// The admission decision for the held stream request.
        mutating func decided(admit: Bool) -> DecidedAction {
            guard state == .deciding else { return .none }
            if admit {
                state = .done
                return .forwardAndLeave
            }
            state = .http(responding: false, closeAfterResponse: true)
            return .forwardRefused
        }

        /// A route refused the held request and the gate answers it itself: true when it may (the
        /// connection is still open), after which the connection closes once the answer is written.
        mutating func refusedByRoute() -> Bool {
            guard state == .deciding else { return false }
            state = .done
            return true
        }

        /// The header-read timer fired: true when the connection must close.
        mutating func headerTimeoutFired() -> Bool {
            guard state == .awaitingHead else { return false }
            state = .done
            return true
        }

        /// A response head was written.
        mutating func responseStarted() {
            if case .http(_, let closeAfter) = state { state = .http(responding: true, closeAfterResponse: closeAfter) }
        }

        /// A response ended: true when the connection must close now.
        mutating func responseEnded() -> Bool {
            guard case .http(_, let closeAfter) = state else { return false }
            if closeAfter {
                state = .done
                return true
            }
            state = .http(responding: false, closeAfterResponse: false)
            return false
        }

        /// The request decoder failed; `headerTooLarge` when a size limit was hit.
        mutating func parseError(headerTooLarge: Bool) -> ErrorAction {
            let status = headerTooLarge ? 431 : 400
            switch state {
            case .awaitingHead, .http(responding: false, _):
                state = .done
                return .respond(status: status)
            case .idle, .deciding, .http(responding: true, _), .done:
                state = .done
                return .close
            }
        }

        /// The channel closed.
        mutating func closed() { state = .done }
    }
}
