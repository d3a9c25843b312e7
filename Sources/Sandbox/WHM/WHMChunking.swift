/// WHM API 1's generic paging (CONTRACTS.md §2.2): `api.chunk.enable=1`, `api.chunk.size` (default 10),
/// `api.chunk.start` (1-based record) or `api.chunk.select` (page number); `api.chunk.verbose=1` adds
/// `metadata.chunk`.
struct WHMChunking {
    let enabled: Bool
    let size: Int
    let start: Int?
    let select: Int?
    let verbose: Bool

    init(_ args: WHMArguments) throws {
        enabled = args.first("api.chunk.enable") == "1"
        let size = Int(args.first("api.chunk.size") ?? "10") ?? 0
        guard !enabled || size >= 1 else {
            throw WHMFailure("The “api.chunk.size” argument must be a positive integer.")
        }
        self.size = size
        start = args.first("api.chunk.start").flatMap { Int($0) }
        select = args.first("api.chunk.select").flatMap { Int($0) }
        verbose = args.first("api.chunk.verbose") == "1"
        if enabled, let start, start < 1 { throw WHMFailure("The “api.chunk.start” argument must be at least 1.") }
        if enabled, let select, select < 1 { throw WHMFailure("The “api.chunk.select” argument must be at least 1.") }
    }

    /// Cuts the one record list in `data` to the requested chunk; returns the data and the chunk metadata.
    func apply(to data: JSONValue?) -> (JSONValue?, JSONValue?) {
        guard enabled, case .object(var fields)? = data,
            let key = ["acct", "pkg"].first(where: { fields[$0] != nil }), case .array(let records)? = fields[key]
        else { return (data, nil) }
        let first = select.map { ($0 - 1) * size + 1 } ?? start ?? 1
        let slice = Array(records.dropFirst(first - 1).prefix(size))
        fields[key] = .array(slice)
        let chunks = (records.count + size - 1) / size
        let metadata: JSONValue? =
            verbose
            ? [
                "records": .number(Double(records.count)), "current": .number(Double((first - 1) / size + 1)),
                "chunks": .number(Double(chunks)), "size": .number(Double(size)), "start": .number(Double(first)),
            ] : nil
        return (.object(fields), metadata)
    }
}
