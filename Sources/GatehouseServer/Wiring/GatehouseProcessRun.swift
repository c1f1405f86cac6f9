import Foundation
import GatehouseConfig
import GatehouseSAML
import Logging

/// `gatehouse serve` as the CLI starts it: JSON logs at the configured level, the application
/// built and run until a signal, and every failure logged before it is reported.
public enum GatehouseProcessRun {
    /// Runs until a signal stops the process; false when it could not start or stopped with an
    /// error (both logged as critical).
    public static func serve(configuration: GatehouseConfiguration, configFile: String?, environment: [String: String], version: String) async
        -> Bool
    {
        let level = Logger.Level(rawValue: configuration.log.level) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "gatehouse")
        let application: GatehouseApplication
        do {
            application = try await buildApplication(configuration: configuration, configFile: configFile, environment: environment, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return false
        }
        logger.info(
            "gatehouse starting",
            metadata: [
                "version": "\(version)", "listen": "\(configuration.listen)", "admin_listen": "\(configuration.adminListen)",
                "upstream": "\(configuration.upstream)", "tenants": "\(configuration.tenants.count)",
            ]
        )
        do {
            try await application.run(handleSignals: true)
        } catch {
            logger.critical("stopped with an error", metadata: ["error": "\(error)"])
            return false
        }
        logger.info("gatehouse stopped")
        return true
    }

    /// The linked xmlsec version, for `gatehouse version`.
    public static var xmlsecVersion: String { SAMLLibrary.xmlsecVersion }
}
