import GatehouseConfig
import GatehouseProxy
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Applies configuration changes while connections stay open: on SIGHUP and when the file changes.
///
/// Only runtime settings (tenants, rules, public paths, trusted proxies, identity headers) take
/// effect; a change to anything else is reported as needing a restart, never silently ignored.
public final class ConfigReloader: Service, Sendable {
    private let file: String?
    private let environment: [String: String]
    private let policy: ProxyPolicyBox
    private let metrics: GatehouseMetrics
    private let logger: Logger
    private let pollInterval: Duration
    private let current: NIOLockedValueBox<GatehouseConfiguration>

    init(
        file: String?, environment: [String: String], initial: GatehouseConfiguration, policy: ProxyPolicyBox, metrics: GatehouseMetrics,
        logger: Logger, pollInterval: Duration = .seconds(2)
    ) {
        self.file = file
        self.environment = environment
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
        self.pollInterval = pollInterval
        current = NIOLockedValueBox(initial)
    }

    /// The configuration in force now.
    public var configuration: GatehouseConfiguration { current.withLockedValue { $0 } }

    /// The compiled policy of the current configuration (rules, public paths), as the proxy uses it.
    public var proxyPolicy: ProxyPolicy { policy.policy }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                let signals = await UnixSignalsSequence(trapping: .sighup)
                for await _ in signals.cancelOnGracefulShutdown() { self.reload(reason: "SIGHUP") }
            }
            tasks.addTask { await self.watchFile() }
            await tasks.next()
            tasks.cancelAll()
        }
    }

    private func watchFile() async {
        guard let file else { return }
        var last = Self.fingerprint(of: file)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: pollInterval)
            let now = Self.fingerprint(of: file)
            if now != last {
                last = now
                reload(reason: "file changed")
            }
        }
    }

    /// Reloads now; returns whether the new runtime settings are in force.
    @discardableResult
    public func reload(reason: String) -> Bool {
        switch ConfigLoader.load(file: file, environment: environment) {
        case .failure(let problems):
            metrics.configReloaded(success: false)
            logger.error(
                "configuration reload refused; the previous configuration stays in force",
                metadata: ["reason": "\(reason)", "problems": "\(problems.problems.map(\.description))"]
            )
            return false
        case .success(let next):
            let previous = configuration
            do {
                policy.replace(with: try ProxyPolicy(configuration: previous, runtime: next.runtime))
            } catch {
                metrics.configReloaded(success: false)
                logger.error("configuration reload refused", metadata: ["reason": "\(reason)", "error": "\(error)"])
                return false
            }
            var applied = previous
            applied.trustedProxies = next.trustedProxies
            applied.publicPaths = next.publicPaths
            applied.rules = next.rules
            applied.tenants = next.tenants
            applied.identityHeaders = next.identityHeaders
            current.withLockedValue { $0 = applied }
            metrics.configReloaded(success: true)
            let needRestart = previous.restartOnlyDifferences(to: next)
            if !needRestart.isEmpty {
                logger.warning(
                    "configuration changes that need a restart were not applied",
                    metadata: ["settings": "\(needRestart.joined(separator: ","))", "reason": "\(reason)"]
                )
            }
            logger.info("configuration reloaded", metadata: ["reason": "\(reason)", "tenants": "\(next.tenants.count)"])
            return true
        }
    }

    /// Modification time and size: enough to notice an edit or a Kubernetes ConfigMap swap.
    static func fingerprint(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_size), Int(info.st_ino)]
    }
}
