import NIOCore
import NIOHTTP1
import Testing

@testable import GatehouseProxy

/// Every transition of the front connection's state machine, valid and invalid, without a channel.
@Suite struct ProxyConnectionStateMachineTests {
    typealias Machine = ProxyConnectionStateMachine

    static let head = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))
    static let body = HTTPServerRequestPart.body(ByteBuffer(string: "x"))

    static func started(
        method: HTTPMethod = .GET, version: HTTPVersion = .http1_1, keepAlive: Bool = true, asksForUpgrade: Bool = false,
        sink: Machine.Sink = .held, upgradeForwarded: Bool = false, bodyLimit: Int? = nil
    ) -> Machine {
        var machine = Machine()
        #expect(machine.clientSent(head) == .receive)
        machine.requestStarted(
            method: method, version: version, keepAlive: keepAlive, asksForUpgrade: asksForUpgrade, route: .upstream, sink: sink,
            upgradeForwarded: upgradeForwarded, bodyLimit: bodyLimit)
        return machine
    }

    /// A GET whose upstream is attached and whose request has ended.
    static func sent() -> Machine {
        var machine = Self.started()
        #expect(machine.upstreamConnected() == .attach)
        #expect(machine.requestEnded() == .write)
        return machine
    }

    @Test func aRequestStreamsToItsUpstreamAndTheConnectionServesTheNext() {
        var machine = Self.started(method: .POST)
        #expect(machine.isSendingRequest)
        #expect(machine.bodyReceived(bytes: 3) == .buffer)
        #expect(machine.upstreamConnected() == .attach)
        #expect(machine.exchange?.request == .receiving(.upstream))
        #expect(machine.bodyReceived(bytes: 3) == .write)
        let result1 = machine.takeUpstreamFlush()
        #expect(result1)
        let result2 = machine.takeUpstreamFlush()
        #expect(!result2)
        #expect(machine.requestEnded() == .write)
        #expect(!machine.isSendingRequest)
        #expect(machine.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true) == .forward(chunked: false, close: false))
        #expect(machine.upstreamResponseBody())
        #expect(
            machine.upstreamResponseEnded()
                == .finish(.init(status: 200, route: .upstream, releaseUpstream: true, next: .serveNext)))
        #expect(machine.state == .idle)
        #expect(machine.exchange?.bodyBytes == nil)
    }

    @Test func partsEndedBeforeTheUpstreamConnectsWaitAndThenGoTogether() {
        var machine = Self.started(method: .POST)
        #expect(machine.bodyReceived(bytes: 1) == .buffer)
        #expect(machine.requestEnded() == .buffer)
        #expect(machine.exchange?.request == .ended)
        #expect(machine.upstreamConnected() == .attach)
    }

    @Test func readsAreHeldWhileThereIsNowhereToPutTheBody() {
        var machine = Self.started(method: .POST)
        #expect(machine.readRequested(upstreamIsWritable: true) == .hold)
        #expect(machine.readHeld)
        let result3 = machine.resumeReads()
        #expect(result3)
        let result4 = machine.resumeReads()
        #expect(!result4)
        _ = machine.upstreamConnected()
        #expect(machine.readRequested(upstreamIsWritable: true) == .read)
        #expect(machine.readRequested(upstreamIsWritable: false) == .hold)
        _ = machine.resumeReads()
        // An in-process route collects its (bounded) body without an upstream.
        var inProcess = Self.started(method: .POST, sink: .collected)
        #expect(inProcess.readRequested(upstreamIsWritable: false) == .read)
        #expect(inProcess.bodyReceived(bytes: 1) == .buffer)
        #expect(inProcess.requestEnded() == .dispatch)
        // Idle: read on.
        var idle = Machine()
        #expect(idle.readRequested(upstreamIsWritable: false) == .read)
    }

    @Test func pipelinedPartsWaitInOrderUntilTheResponseEnds() {
        var machine = Self.sent()
        let second = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/second"))
        #expect(machine.clientSent(second) == .queued)
        #expect(machine.clientSent(.end(nil)) == .queued)
        #expect(machine.nextPipelinedPart() == nil)
        _ = machine.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true)
        #expect(machine.nextPipelinedPart() == nil)
        _ = machine.upstreamResponseEnded()
        #expect(machine.nextPipelinedPart() == second)
        // A part arriving while the queue is not empty joins its end, even with nothing in progress.
        #expect(machine.clientSent(Self.head) == .queued)
        #expect(machine.nextPipelinedPart() == .end(nil))
        #expect(machine.nextPipelinedPart() == Self.head)
        #expect(machine.nextPipelinedPart() == nil)
        #expect(machine.clientSent(Self.head) == .receive)
    }

    @Test func aFullPipelineHoldsReads() {
        var machine = Self.sent()
        for _ in 0..<Machine.maximumPipelinedParts { #expect(machine.clientSent(Self.body) == .queued) }
        #expect(machine.readRequested(upstreamIsWritable: true) == .hold)
    }

    @Test func anEarlyUpstreamAnswerDropsTheRestOfTheBody() {
        var machine = Self.started(method: .POST)
        _ = machine.upstreamConnected()
        #expect(machine.bodyReceived(bytes: 1) == .write)
        _ = machine.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true)
        #expect(machine.upstreamResponseEnded() == .discardRestOfBody)
        #expect(machine.exchange?.request == .discarding)
        #expect(machine.exchange?.upstreamReusable == false)
        #expect(!machine.isSendingRequest)
        #expect(machine.bodyReceived(bytes: 1) == .drop)
        #expect(machine.readRequested(upstreamIsWritable: false) == .read)
        #expect(machine.requestEnded() == .finish(.init(status: 200, route: .upstream, releaseUpstream: false, next: .serveNext)))
    }

    @Test func aBodyOverTheRouteLimitIsRefusedBeforeTheResponseStarts() {
        var machine = Self.started(method: .POST, bodyLimit: 4)
        #expect(machine.bodyReceived(bytes: 4) == .buffer)
        #expect(machine.bodyReceived(bytes: 1) == .tooLarge)
        #expect(machine.exchange?.upstreamReusable == false)
        // A POST whose body is not read to its end closes, lingering so the client reads the 413.
        let local = machine.respondingLocally(status: .payloadTooLarge)
        #expect(local == .init(close: true, includeBody: true, finish: .init(status: 413, route: .upstream, releaseUpstream: false, next: .linger)))
        #expect(machine.state == .lingering)
        #expect(machine.clientSent(Self.body) == .drop)
        // Once the response is going out, a route's own answer is not cut off.
        var streaming = Self.started(method: .POST, bodyLimit: 1)
        _ = streaming.upstreamConnected()
        _ = streaming.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true)
        #expect(streaming.bodyReceived(bytes: 5) == .write)
    }

    @Test func aLocalAnswerToAGetWithABodyKeepsTheConnectionAndDropsTheBody() {
        var machine = Self.started()
        let local = machine.respondingLocally(status: .found)
        #expect(local == .init(close: false, includeBody: true, finish: nil))
        #expect(machine.exchange?.request == .discarding)
        #expect(machine.bodyReceived(bytes: 10) == .drop)
        #expect(machine.upstreamConnected() == .close)
        #expect(machine.requestEnded() == .finish(.init(status: 302, route: .upstream, releaseUpstream: true, next: .serveNext)))
        // After the end: done at once; HEAD gets no body.
        var head = Self.started(method: .HEAD)
        _ = head.requestEnded()
        #expect(
            head.respondingLocally(status: .forbidden)
                == .init(close: false, includeBody: false, finish: .init(status: 403, route: .upstream, releaseUpstream: true, next: .serveNext)))
        // Without keep-alive, after the end: close.
        var closing = Self.started(keepAlive: false)
        _ = closing.requestEnded()
        #expect(closing.respondingLocally(status: .badRequest)?.finish?.next == .close)
        #expect(closing.state == .closed)
    }

    @Test func theGateHandsTheRequestToTheUpstreamClass() {
        var machine = Machine()
        machine.requestStarted(method: .GET, version: .http1_1, keepAlive: true, asksForUpgrade: false, route: .gate, sink: .held)
        #expect(machine.exchange?.route == .gate)
        machine.gatePassed(upgradeForwarded: true)
        #expect(machine.exchange?.route == .upstream)
        #expect(machine.exchange?.upgradeForwarded == true)
    }

    @Test func framingAndKeepAliveOfAResponse() {
        var chunked = Self.sent()
        #expect(chunked.upstreamResponseHead(status: .ok, isKeepAlive: false, hasContentLength: false) == .forward(chunked: true, close: false))
        #expect(chunked.exchange?.upstreamReusable == false)
        // HTTP/1.0 cannot chunk: the end of the connection ends the body.
        var old = Self.started(version: .http1_0)
        _ = old.requestEnded()
        #expect(old.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: false) == .forward(chunked: false, close: true))
        // No body: no framing.
        var empty = Self.sent()
        #expect(empty.upstreamResponseHead(status: .noContent, isKeepAlive: true, hasContentLength: false) == .forward(chunked: false, close: false))
        var head = Self.started(method: .HEAD)
        _ = head.requestEnded()
        #expect(head.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: false) == .forward(chunked: false, close: false))
        #expect(!head.upstreamResponseBody())
        // A second head is ignored; a body before any head is not forwarded.
        #expect(head.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true) == .ignore)
        let early = Self.sent()
        #expect(!early.upstreamResponseBody())
    }

    @Test func anUpgradeThatSwitchesHandsTheConnectionOver() {
        var machine = Self.started(asksForUpgrade: true, upgradeForwarded: true)
        _ = machine.upstreamConnected()
        _ = machine.requestEnded()
        // The decoder reads nothing after an upgrade request: reads wait for the answer.
        #expect(machine.readRequested(upstreamIsWritable: true) == .hold)
        #expect(machine.upstreamResponseHead(status: .switchingProtocols, isKeepAlive: true, hasContentLength: false) == .switchProtocols)
        #expect(machine.readRequested(upstreamIsWritable: true) == .read)
        #expect(machine.upstreamResponseEnded() == .upgrade(route: .upstream))
        #expect(machine.state == .closed)
        let result5 = machine.resumeReads()
        #expect(result5)
    }

    @Test func anUpgradeThatDoesNotSwitchClosesTheConnection() {
        var machine = Self.started(asksForUpgrade: true, upgradeForwarded: true)
        _ = machine.upstreamConnected()
        _ = machine.requestEnded()
        #expect(machine.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true) == .forward(chunked: false, close: true))
        #expect(machine.upstreamResponseEnded() == .finish(.init(status: 200, route: .upstream, releaseUpstream: true, next: .close)))
        #expect(machine.state == .closed)
        // A refusal of an upgrade request closes too.
        var refused = Self.started(asksForUpgrade: true)
        _ = refused.requestEnded()
        #expect(refused.respondingLocally(status: .forbidden)?.close == true)
    }

    @Test func a101ToARequestThatAskedForNoUpgradeFails() {
        var machine = Self.sent()
        #expect(machine.upstreamResponseHead(status: .switchingProtocols, isKeepAlive: true, hasContentLength: false) == .fail)
        #expect(machine.exchange?.response == .pending)
        #expect(machine.upstreamFailed(.closed) == .respond(.badGateway))
    }

    @Test func upstreamFailuresBeforeAndAfterTheResponseStarted() {
        var before = Self.sent()
        #expect(before.upstreamFailed(.readTimeout) == .respond(.gatewayTimeout))
        #expect(before.exchange?.upstreamReusable == false)
        var connect = Self.started()
        #expect(connect.upstreamFailed(.connect) == .respond(.badGateway))
        var after = Self.sent()
        _ = after.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: false)
        #expect(after.clientSent(Self.head) == .queued)
        #expect(after.upstreamFailed(.closed) == .close(status: 200, route: .upstream))
        #expect(after.state == .closed)
        #expect(after.pipelined.isEmpty)
        var idle = Machine()
        #expect(idle.upstreamFailed(.closed) == .none)
    }

    @Test func theClientClosingMidRequestIsLoggedAs499() {
        var machine = Self.started(method: .POST)
        #expect(machine.channelInactive()?.status == 499)
        #expect(machine.state == .closed)
        #expect(machine.clientSent(Self.body) == .drop)
        var answered = Self.started(method: .POST)
        _ = answered.respondingLocally(status: .payloadTooLarge)
        #expect(answered.state == .lingering)
        #expect(answered.channelInactive() == nil)
        var idle = Machine()
        #expect(idle.channelInactive() == nil)
    }

    @Test func quiescingClosesAnIdleConnectionAndEndsABusyOneAfterItsResponse() {
        var idle = Machine()
        let result6 = idle.quiesce()
        #expect(result6)
        var busy = Self.sent()
        #expect(busy.clientSent(Self.head) == .queued)
        let result7 = busy.quiesce()
        #expect(!result7)
        #expect(busy.pipelined.isEmpty)
        #expect(busy.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true) == .forward(chunked: false, close: true))
        #expect(busy.upstreamResponseEnded() == .finish(.init(status: 200, route: .upstream, releaseUpstream: true, next: .close)))
        // Ending already (its last bytes may still be leaving): a close now would cut them.
        let result8 = busy.quiesce()
        #expect(!result8)
        var answered = Self.started(method: .POST)
        _ = answered.respondingLocally(status: .payloadTooLarge)
        #expect(answered.state == .lingering)
        let result9 = answered.quiesce()
        #expect(!result9)
    }

    @Test func eventsWithoutAnExchangeDoNothing() {
        var machine = Machine()
        #expect(machine.bodyReceived(bytes: 1) == .drop)
        #expect(machine.requestEnded() == .none)
        #expect(machine.upstreamConnected() == .close)
        #expect(machine.upstreamResponseHead(status: .ok, isKeepAlive: true, hasContentLength: true) == .ignore)
        #expect(!machine.upstreamResponseBody())
        #expect(machine.upstreamResponseEnded() == .none)
        #expect(machine.respondingLocally(status: .ok) == nil)
        machine.gatePassed(upgradeForwarded: false)
        #expect(machine.state == .idle)
        #expect(!machine.isSendingRequest)
        // An end of response before its head is no end.
        var early = Self.sent()
        #expect(early.upstreamResponseEnded() == .none)
        #expect(early.exchange?.response == .pending)
        // An upstream connecting after the answer went out (or once the body is being dropped) is closed.
        var discarding = Self.started(method: .GET)
        _ = discarding.respondingLocally(status: .found)
        #expect(discarding.upstreamConnected() == .close)
        var collected = Self.started(method: .POST, sink: .collected)
        #expect(collected.upstreamConnected() == .close)
    }
}
