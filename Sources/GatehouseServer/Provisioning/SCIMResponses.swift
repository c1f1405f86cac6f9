import GatehouseSCIM
import GatehouseStore
import HTTPTypes
import Hummingbird
import Logging

/// SCIM responses: `application/scim+json` bodies, ETags, and every failure SCIM-shaped.
enum SCIMResponses {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/scim+json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized)))
    }

    /// A body already written as JSON text.
    static func text(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/scim+json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    static func error(_ error: SCIMError, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/scim+json"
        return Response(
            status: HTTPResponse.Status(code: error.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.json)))
    }

    /// Any thrown error as a SCIM error; directory conflicts are 409 `uniqueness`, anything unexpected
    /// a logged 500 with no internals in the body.
    static func error(from thrown: Error, logger: Logger, tenantID: String) -> Response {
        switch thrown {
        case let scim as SCIMError:
            logger.info("SCIM request refused", metadata: ["tenant": "\(tenantID)", "status": "\(scim.status)", "detail": "\(scim.detail)"])
            return error(scim)
        case let directory as DirectoryError where directory.code == .conflict:
            logger.info("SCIM uniqueness conflict", metadata: ["tenant": "\(tenantID)", "reason": "\(directory.context)"])
            return error(.uniqueness("A resource with that name already exists in this tenant."))
        case let directory as DirectoryError where directory.code == .invalidReference:
            // The same answer for an id of nobody and an id of another tenant's user.
            logger.info("SCIM member refused", metadata: ["tenant": "\(tenantID)", "reason": "\(directory.context)"])
            return error(.invalidValue("A member is not a user of this tenant (a member's value is the id this server gave the user)."))
        case let store as StoreError where store.code == .unavailable:
            // The IdP retries a 503 later (Okta and Entra both do). A write that timed out may still commit.
            logger.error("SCIM request failed: the store is unavailable", metadata: ["tenant": "\(tenantID)", "error": "\(store.context)"])
            return error(
                SCIMError(
                    status: 503, detail: "The directory store did not answer in time; the change may or may not have been applied. Try again shortly."
                ),
                headers: [.retryAfter: "5"])
        default:
            logger.error("SCIM request failed", metadata: ["tenant": "\(tenantID)", "error": "\(thrown)"])
            return error(SCIMError(status: 500, detail: "The request could not be completed; the server logged why."))
        }
    }
}
