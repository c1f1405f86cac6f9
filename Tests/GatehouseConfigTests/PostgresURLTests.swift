import Testing

@testable import GatehouseConfig

/// The `store: postgres://…` URL as operators write it, and the spellings that must be refused
/// before the store is ever opened (so `check-config` catches them).
@Suite struct PostgresURLTests {
    static func parsed(_ text: String) throws -> PostgresURL { try PostgresURL.parse(text).get() }

    @Test func theDocumentedFormsParse() throws {
        let full = try Self.parsed("postgres://gatehouse:s%40cret@db.internal:6432/gatehouse?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem")
        #expect(full.user == "gatehouse" && full.password == "s@cret" && full.host == "db.internal" && full.port == 6432)
        #expect(full.database == "gatehouse" && full.sslMode == .verifyFull && full.sslRootCertificate == "/etc/ssl/db-ca.pem")
        let plain = try Self.parsed("postgresql://gh@127.0.0.1/gh?sslmode=disable")
        #expect(plain.port == 5432 && plain.password == nil && plain.sslMode == .disable)
        #expect(try Self.parsed("postgres://gh@[::1]:5433/gh").host == "::1")
        #expect(try Self.parsed("postgres://gh@db/gh?sslmode=require").sslMode == .require)
    }

    /// Without sslmode: plain on loopback (a sidecar database), verified anywhere else.
    @Test func theDefaultTLSModeDependsOnTheHost() throws {
        #expect(try Self.parsed("postgres://gh@127.0.0.1:5432/gh").sslMode == .disable)
        #expect(try Self.parsed("postgres://gh@localhost/gh").sslMode == .disable)
        #expect(try Self.parsed("postgres://gh@db.example.com/gh").sslMode == .verifyFull)
    }

    @Test(arguments: [
        "mysql://gh@db/gh", "postgres://db/gh", "postgres://gh@db", "postgres://gh@db/", "postgres://gh@/gh", "postgres://@db/gh",
        "postgres://gh@db/gh?sslmode=prefer", "postgres://gh@db/gh?sslmode=allow", "postgres://gh@db/gh?application_name=x",
        "postgres://gh@db:99999/gh", "postgres://gh@db/g/h",
    ])
    func malformedURLsAreRefused(_ text: String) {
        #expect(throws: PostgresURLProblem.self) { try PostgresURL.parse(text).get() }
    }

    @Test func aProblemNeverRepeatsThePassword() {
        guard case .failure(let problem) = PostgresURL.parse("postgres://gh:hunter2@db/gh?sslmode=maybe") else {
            Issue.record("accepted")
            return
        }
        #expect(!problem.message.contains("hunter2"))
    }

    @Test func theStoreSettingsHaveDefaultsAndBounds() throws {
        let base = "public_url: https://dash.example.com\nupstream: http://127.0.0.1:3000\nstore: postgres://gh@db.example.com/gh\n"
        let defaults = try ConfigLoader.parse(yaml: base).get()
        #expect(defaults.storeSettings == StoreSettings())
        #expect(defaults.storeSettings.poolSize == 16 && defaults.storeSettings.timeout == .seconds(5))
        #expect(defaults.storeSettings.poolMinimum == 4)
        guard case .postgres(_, let url) = defaults.store else {
            Issue.record("not postgres")
            return
        }
        #expect(url.host == "db.example.com")
        let set = try ConfigLoader.parse(
            yaml: base
                + "store_pool_size: 4\nstore_pool_min: 2\nstore_timeout: 2s\nstore_password_file: /run/secrets/db\nhousekeeping_interval: 1m\n",
            readFile: { _ in "secret\n" }
        ).get()
        #expect(set.storeSettings.poolSize == 4 && set.storeSettings.timeout == .seconds(2))
        #expect(set.storeSettings.poolMinimum == 2)
        if case .failure(let problems) = ConfigLoader.parse(yaml: base + "store_pool_min: -1\n") {
            #expect("\(problems)".contains("store_pool_min"))
        } else {
            Issue.record("a negative store_pool_min was accepted")
        }
        #expect(set.storeSettings.passwordFile == "/run/secrets/db" && set.storeSettings.housekeepingInterval == .seconds(60))
        if case .failure(let problems) = ConfigLoader.parse(yaml: base + "store_pool_size: 0\n") {
            #expect("\(problems)".contains("store_pool_size"))
        } else {
            Issue.record("a pool of 0 was accepted")
        }
        if case .failure(let problems) = ConfigLoader.parse(
            yaml: base.replacingOccurrences(of: "postgres://gh@db.example.com/gh", with: "postgres://db/gh"))
        {
            #expect("\(problems)".contains("store"))
        } else {
            Issue.record("a URL without a user was accepted")
        }
    }
}
