/// One page of a filtered list: how many match in all, and the page itself.
public struct StoredPage<Item: Sendable>: Sendable {
    public var totalResults: Int
    public var items: [Item]

    public init(totalResults: Int, items: [Item]) {
        self.totalResults = totalResults
        self.items = items
    }
}
