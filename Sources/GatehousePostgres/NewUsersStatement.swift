import Foundation
import GatehouseSCIM
import PostgresNIO

/// The group commit's statement: new users and their audit entries, one array per column, so
/// that the text is the same for any number of rows and each connection parses and plans it once
/// (a named prepared statement) instead of once per batch. Parsing and planning the old
/// per-batch `VALUES` list was about two fifths of PostgreSQL's CPU per SCIM create.
///
/// Arrays cannot hold a Swift nil, so each nullable column has a `has_…` flag beside it.
struct NewUsersStatement: PostgresPreparedStatement {
    typealias Row = String

    static let name = "gatehouse_insert_new_users_v1"

    static let sql = """
        WITH new AS (
            SELECT * FROM unnest(
                $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[],
                $9::timestamptz[], $10::timestamptz[], $11::text[], $12::boolean[], $13::text[], $14::boolean[],
                $15::text[], $16::boolean[], $17::text[], $18::boolean[], $19::bigint[], $20::text[],
                $21::boolean[], $22::timestamptz[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::text[]
            ) WITH ORDINALITY AS new(
                id, tenant_id, user_name, user_name_key, email, email_key, role, active,
                created_at, updated_at, external_id, has_external_id, display_name, has_display_name,
                document, has_document, document_folded, has_document_folded, version, source,
                audited, audit_at, audit_tenant_id, audit_actor, audit_resource_type, audit_resource_id, audit_operation, audit_attributes,
                position)
        ), inserted AS (
            INSERT INTO users (id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at,
                               external_id, display_name, document, document_json, document_folded, version, source)
            SELECT id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at,
                   CASE WHEN has_external_id THEN external_id END, CASE WHEN has_display_name THEN display_name END,
                   CASE WHEN has_document THEN document END, CASE WHEN has_document THEN document::jsonb END,
                   CASE WHEN has_document_folded THEN document_folded::jsonb END, version, source
            FROM new ORDER BY position
            ON CONFLICT DO NOTHING
            RETURNING id
        ), audited AS (
            INSERT INTO audit_log (at, tenant_id, actor, resource_type, resource_id, operation, attributes)
            SELECT new.audit_at, new.audit_tenant_id, new.audit_actor, new.audit_resource_type, new.audit_resource_id,
                   new.audit_operation, new.audit_attributes::jsonb
            FROM new JOIN inserted ON inserted.id = new.id
            WHERE new.audited
            ORDER BY new.position
        )
        SELECT id FROM inserted
        """

    let rows: [PostgresUserInserts.Row]

    func makeBindings() throws -> PostgresBindings {
        let users = rows.map(\.user)
        let audits = rows.map(\.audit)
        let folded = users.map { PostgresDocuments.folded($0.document) }
        // Filler for an absent value: never stored (its flag says absent).
        let epoch = Date(timeIntervalSince1970: 0)
        var bindings = PostgresBindings(capacity: 28)
        bindings.append(users.map(\.id))
        bindings.append(users.map(\.tenantID))
        bindings.append(users.map(\.userName))
        bindings.append(users.map { SCIMCaseFolding.fold($0.userName) })
        bindings.append(users.map(\.email))
        bindings.append(users.map { SCIMCaseFolding.fold($0.email) })
        bindings.append(users.map(\.role))
        bindings.append(users.map(\.active))
        bindings.append(users.map { PostgresDates.milliseconds($0.createdAt) })
        bindings.append(users.map { PostgresDates.milliseconds($0.updatedAt) })
        bindings.append(users.map { $0.externalID ?? "" })
        bindings.append(users.map { $0.externalID != nil })
        bindings.append(users.map { $0.displayName ?? "" })
        bindings.append(users.map { $0.displayName != nil })
        bindings.append(users.map { $0.document ?? "" })
        bindings.append(users.map { $0.document != nil })
        bindings.append(folded.map { $0 ?? "" })
        bindings.append(folded.map { $0 != nil })
        bindings.append(users.map(\.version))
        bindings.append(users.map(\.source))
        bindings.append(audits.map { $0 != nil })
        bindings.append(audits.map { $0?.at ?? epoch })
        bindings.append(audits.map { $0?.tenantID ?? "" })
        bindings.append(audits.map { $0?.actor ?? "" })
        bindings.append(audits.map { $0?.resourceType ?? "" })
        bindings.append(audits.map { $0?.resourceID ?? "" })
        bindings.append(audits.map { $0?.operation ?? "" })
        bindings.append(audits.map { $0.map { PostgresStore.jsonArray($0.attributes) } ?? "[]" })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}
