import NIOCore
import NIOHTTP1

extension ProxyFrontHandler {

    /// After a 101, both connections stop speaking HTTP: the HTTP handlers leave both pipelines
    /// and a pair of glue handlers copies bytes, keeping whatever the decoders had read ahead.
    func upgrade(_ exchange: ProxyExchange, route: RouteClass, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        context.flush()
        self.exchange = nil
        complete(exchange, status: 101, route: route)
        guard let upstream = exchange.upstream, let upstreamChannel = upstream.channel else {
            context.close(promise: nil)
            return
        }
        upstream.delegate = nil
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        do {
            let front = context.pipeline.syncOperations
            let back = upstreamChannel.pipeline.syncOperations
            try front.addHandler(clientGlue)
            try back.addHandler(upstreamGlue)
            // Reads held while the upgrade was pending go on through the glue.
            if machine.resumeReads() { context.read() }
            _ = back.removeHandler(upstream)
            _ = back.removeHandler(name: UpstreamPool.validatorHandlerName)
            _ = back.removeHandler(name: UpstreamPool.idleHandlerName)
            _ = back.removeHandler(name: UpstreamPool.decoderHandlerName)
            _ = back.removeHandler(name: UpstreamPool.encoderHandlerName)
            if let codec { _ = front.removeHandler(codec.errors) }
            _ = front.removeHandler(context: context)
            if let codec {
                _ = front.removeHandler(codec.decoder)
                _ = front.removeHandler(codec.encoder)
            }
        } catch {
            upstream.close()
            context.close(promise: nil)
        }
    }
}
