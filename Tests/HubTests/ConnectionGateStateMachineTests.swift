@testable import Hub
import Testing

@Suite("Connection gate state machine")
struct ConnectionGateStateMachineTests {
    typealias Machine = ConnectionGate.StateMachine

    @Test func aConnectionOverTheCapIsClosedAtOnce() {
        var m = Machine()
        #expect(m.activated(admitted: false) == .closeOverCapacity)
        #expect(m.state == .done)
        #expect(m.head(.plain) == .forward)
    }

    @Test func theHeaderTimerMattersOnlyUntilTheFirstHead() {
        var m = Machine()
        #expect(m.activated(admitted: true) == .armHeaderTimeout)
        #expect(m.activated(admitted: true) == .none)
        var silent = m
        let fired = silent.headerTimeoutFired()
        #expect(fired)
        #expect(silent.state == .done)
        #expect(m.head(.plain) == .forward)
        let firedLate = m.headerTimeoutFired()
        #expect(!firedLate)
    }

    @Test func aPlainConnectionStaysOpenBetweenResponses() {
        var m = Machine()
        _ = m.activated(admitted: true)
        #expect(m.head(.plain) == .forward)
        m.responseStarted()
        #expect(m.state == .http(responding: true, closeAfterResponse: false))
        let closes = m.responseEnded()
        #expect(!closes)
        // A later upgrade request is Hummingbird's to redirect.
        #expect(m.head(.streamUpgrade) == .forward)
    }

    @Test func anAdmittedStreamLeavesTheGate() {
        var m = Machine()
        _ = m.activated(admitted: true)
        #expect(m.head(.streamUpgrade) == .decide)
        #expect(m.state == .deciding)
        #expect(m.decided(admit: true) == .forwardAndLeave)
        #expect(m.state == .done)
    }

    @Test func aRefusedStreamIsAnsweredThenClosed() {
        var m = Machine()
        _ = m.activated(admitted: true)
        #expect(m.head(.streamUpgrade) == .decide)
        #expect(m.decided(admit: false) == .forwardRefused)
        m.responseStarted()
        let closes = m.responseEnded()
        #expect(closes)
        #expect(m.state == .done)
    }

    @Test func aDecisionAfterTheConnectionClosedDoesNothing() {
        var m = Machine()
        _ = m.activated(admitted: true)
        _ = m.head(.streamUpgrade)
        m.closed()
        #expect(m.decided(admit: true) == .none)
    }

    @Test func anUpgradeElsewhereIsAnsweredAsPlainHTTPThenClosed() {
        var m = Machine()
        _ = m.activated(admitted: true)
        #expect(m.head(.otherUpgrade) == .forwardRefused)
        #expect(m.state == .http(responding: false, closeAfterResponse: true))
    }

    @Test func parseErrorsAreAnsweredUnlessAResponseIsUnderWay() {
        var first = Machine()
        _ = first.activated(admitted: true)
        #expect(first.parseError(headerTooLarge: true) == .respond(status: 431))
        var idle = Machine()
        _ = idle.activated(admitted: true)
        _ = idle.head(.plain)
        #expect(idle.parseError(headerTooLarge: false) == .respond(status: 400))
        var busy = Machine()
        _ = busy.activated(admitted: true)
        _ = busy.head(.plain)
        busy.responseStarted()
        #expect(busy.parseError(headerTooLarge: true) == .close)
        #expect(busy.state == .done)
    }
}
