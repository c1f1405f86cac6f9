import NIOCore
import Testing

@testable import GatehouseProxy

/// The timeout state machine of a front connection, driven with explicit instants.
@Suite struct FrontConnectionTimeoutsTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    func fresh() -> FrontConnectionTimeouts {
        FrontConnectionTimeouts(headerReadTimeout: .seconds(10), idleTimeout: .seconds(75), openedAt: Self.start)
    }

    @Test func aNewConnectionHasTheHeaderReadTimeoutFromAcceptBytesOrNot() {
        var timeouts = fresh()
        #expect(timeouts.deadline == Self.at(10))
        #expect(timeouts.expired(now: Self.at(9)) == nil)
        #expect(timeouts.expired(now: Self.at(10)) == .headerRead(bytesSeen: false))
        // Trickled bytes do not move the deadline: slowloris gains nothing by sending.
        #expect(timeouts.bytesArrived(now: Self.at(5)) == false)
        #expect(timeouts.bytesArrived(now: Self.at(9)) == false)
        #expect(timeouts.deadline == Self.at(10))
        #expect(timeouts.expired(now: Self.at(10)) == .headerRead(bytesSeen: true))
    }

    @Test func nothingRunsOutWhileARequestIsInFlight() {
        var timeouts = fresh()
        timeouts.requestHeadReceived()
        #expect(timeouts.deadline == nil)
        #expect(timeouts.expired(now: Self.at(100_000)) == nil)
        #expect(timeouts.watchesBytes == false)
        timeouts.requestEnded(now: Self.at(500))  // a long upload
        #expect(timeouts.deadline == nil)  // a slow upstream: the response is still owed
        timeouts.responseEnded(now: Self.at(900))
        #expect(timeouts.wait == .idle)
        #expect(timeouts.deadline == Self.at(975))
    }

    @Test func anIdleConnectionClosesAfterTheIdleTimeout() {
        var timeouts = fresh()
        timeouts.requestHeadReceived()
        timeouts.requestEnded(now: Self.at(1))
        timeouts.responseEnded(now: Self.at(2))
        #expect(timeouts.expired(now: Self.at(76)) == nil)
        #expect(timeouts.expired(now: Self.at(77)) == .idle)
    }

    @Test func theNextRequestsFirstBytesStartAFreshHeaderReadTimeout() {
        var timeouts = fresh()
        timeouts.requestHeadReceived()
        timeouts.requestEnded(now: Self.at(1))
        timeouts.responseEnded(now: Self.at(2))
        #expect(timeouts.bytesArrived(now: Self.at(30)) == true)  // earlier than the idle deadline: re-arm
        #expect(timeouts.deadline == Self.at(40))
        #expect(timeouts.expired(now: Self.at(40)) == .headerRead(bytesSeen: true))
    }

    @Test func pipelinedRequestsKeepTheConnectionInFlightUntilTheLastResponse() {
        var timeouts = fresh()
        timeouts.requestHeadReceived()
        timeouts.requestEnded(now: Self.at(1))
        timeouts.requestHeadReceived()
        timeouts.requestEnded(now: Self.at(1))
        timeouts.responseEnded(now: Self.at(2))
        #expect(timeouts.deadline == nil)
        timeouts.responseEnded(now: Self.at(3))
        #expect(timeouts.deadline == Self.at(78))
    }

    @Test func aBodyAnsweredEarlyMayTrickleButNotStall() {
        var timeouts = fresh()
        timeouts.requestHeadReceived()
        timeouts.responseEnded(now: Self.at(1))  // e.g. 401 before the body was read
        #expect(timeouts.wait == .discardedBody)
        #expect(timeouts.deadline == Self.at(76))
        _ = timeouts.bytesArrived(now: Self.at(70))
        #expect(timeouts.expired(now: Self.at(100)) == nil)
        #expect(timeouts.expired(now: Self.at(145)) == .idle)
        timeouts.requestEnded(now: Self.at(120))
        #expect(timeouts.wait == .idle)
        #expect(timeouts.deadline == Self.at(195))
    }
}
