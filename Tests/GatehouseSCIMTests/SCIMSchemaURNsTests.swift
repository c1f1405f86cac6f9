import GatehouseSCIM
import Testing

/// The `schemas` a stored User document's text implies: an extension counts only where its URN
/// is a key, never where the same text sits inside a string value.
@Suite struct SCIMSchemaURNsTests {
    static let core = SCIMResourceType.user.core.id
    static let enterprise = SCIMResourceType.user.extensions[0].id

    @Test func anExtensionCountsWhereItsURNIsAKey() {
        let text = #"{"\#(Self.enterprise)":{"department":"x"},"userName":"a"}"#
        #expect(SCIMResourceType.user.schemaURNs(ofStoredJSON: text) == [Self.core, Self.enterprise])
    }

    @Test func anExtensionURNInsideAStringValueDoesNotCount() {
        let text = #"{"title":"\"\#(Self.enterprise)\":","userName":"a"}"#
        #expect(SCIMResourceType.user.schemaURNs(ofStoredJSON: text) == [Self.core])
    }

    @Test func aKeyAfterAnEscapedLookalikeStillCounts() {
        let text = #"{"title":"\"\#(Self.enterprise)\":","\#(Self.enterprise)":{}}"#
        #expect(SCIMResourceType.user.schemaURNs(ofStoredJSON: text) == [Self.core, Self.enterprise])
    }

    @Test(arguments: ["", "{}", #"{"userName":"é ü 👩‍💻"}"#, #"{"\#(SCIMResourceType.user.extensions[0].id)""#])
    func noKeyNoExtension(_ text: String) {
        #expect(SCIMResourceType.user.schemaURNs(ofStoredJSON: text) == [Self.core])
    }
}
