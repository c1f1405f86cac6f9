import Testing

@testable import GatehouseProxy

/// When a client counts as having stopped reading: no progress between two checks while bytes
/// wait for it.
@Suite struct FrontSendStallTests {
    @Test func nothingWaitingIsDone() {
        var stall = FrontSendStall()
        stall.start(bufferedBytes: 0)
        #expect(stall.check(sending: false, bufferedBytes: 0) == .done)
    }

    @Test func bytesThatDoNotLeaveAreAStallAndLeavingBytesAreNot() {
        var stall = FrontSendStall()
        stall.start(bufferedBytes: 70_000)
        #expect(stall.check(sending: true, bufferedBytes: 60_000) == .progressed)
        #expect(stall.check(sending: true, bufferedBytes: 60_000) == .stalled)
    }

    @Test func aQueuedEndWaitsEvenOnAWritableChannel() {
        var stall = FrontSendStall()
        stall.endQueued()
        stall.start(bufferedBytes: 5_000)
        #expect(stall.check(sending: false, bufferedBytes: 5_000) == .stalled)
        stall.endSent()
        #expect(stall.check(sending: false, bufferedBytes: 0) == .done)
    }

    @Test func aWritabilityChangeOrAnEndWrittenIsProgress() {
        var stall = FrontSendStall()
        stall.endQueued()
        stall.endQueued()
        stall.start(bufferedBytes: 5_000)
        stall.writabilityChanged()
        #expect(stall.check(sending: true, bufferedBytes: 5_000) == .progressed)
        stall.endSent()
        #expect(stall.check(sending: false, bufferedBytes: 5_000) == .progressed)
        // More queued behind the end (a pipelined response) while none leaves is no progress.
        #expect(stall.check(sending: false, bufferedBytes: 9_000) == .stalled)
    }

    @Test func aChannelThatCannotSayIsNeverAStall() {
        var stall = FrontSendStall()
        stall.start(bufferedBytes: nil)
        #expect(stall.check(sending: true, bufferedBytes: nil) == .progressed)
        #expect(stall.check(sending: true, bufferedBytes: 10) == .progressed)
        #expect(stall.check(sending: true, bufferedBytes: 10) == .stalled)
    }
}
