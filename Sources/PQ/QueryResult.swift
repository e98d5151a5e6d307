/// The rows of a statement's result, decoded from PostgreSQL's text format on demand.
public struct QueryResult: Sendable, RandomAccessCollection {
    /// The column names, in order.
    public var columns: [String] { storage.columns }
    /// Rows inserted, updated, deleted (or selected) as reported by the command tag; 0 when
    /// the command reports none.
    public let affectedRows: Int
    /// The command tag, for example `INSERT 0 1` or `SELECT 3`.
    public let commandTag: String

    let storage: ResultStorage

    init(storage: ResultStorage, affectedRows: Int, commandTag: String) {
        self.storage = storage
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    /// A result with no columns and no rows.
    static func empty(commandTag: String = "", affectedRows: Int = 0) -> QueryResult {
        QueryResult(storage: ResultStorage(columns: [], cells: []), affectedRows: affectedRows, commandTag: commandTag)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.cells.count }

    public subscript(position: Int) -> Row {
        Row(storage: storage, index: position)
    }

    /// Decodes one column of every row, in row order.
    public func values<T: PQDecodable>(_ column: String, as type: T.Type = T.self) throws(PQError) -> [T] {
        var decoded: [T] = []
        decoded.reserveCapacity(count)
        for row in self {
            decoded.append(try row.decode(column, as: type))
        }
        return decoded
    }
}

/// One row of a `QueryResult`.
public struct Row: Sendable {
    let storage: ResultStorage
    let index: Int

    /// The column names, in order.
    public var columns: [String] { storage.columns }

    /// The raw text of a column (`nil` for SQL NULL or an unknown column).
    public subscript(column: String) -> String? {
        guard let position = storage.position(of: column) else { return nil }
        return storage.cells[index][position]
    }

    /// Decodes the value of `column` as `T`. NULL decodes only into an `Optional`.
    public func decode<T: PQDecodable>(_ column: String, as type: T.Type = T.self) throws(PQError) -> T {
        guard let position = storage.position(of: column) else {
            throw PQError(
                kind: .decoding,
                message: "no column \"\(column)\" in the result (columns: \(storage.columns.joined(separator: ", ")))")
        }
        return try decode(position, as: type)
    }

    /// Decodes the value of the column at `position` (0-based) as `T`.
    public func decode<T: PQDecodable>(_ position: Int, as type: T.Type = T.self) throws(PQError) -> T {
        guard storage.columns.indices.contains(position) else {
            throw PQError(
                kind: .decoding,
                message: "no column at position \(position) (the result has \(storage.columns.count))")
        }
        let name = storage.columns[position]
        guard let text = storage.cells[index][position] else {
            guard let null = T.pqNull else {
                throw PQError(
                    kind: .decoding,
                    message: "column \"\(name)\" is NULL; decode it as \(T.self)? to accept NULL")
            }
            return null
        }
        do {
            return try T(pqText: text)
        } catch {
            throw PQError(kind: .decoding, message: "column \"\(name)\": \(error.message)")
        }
    }
}

/// The cells of a result, shared by its rows. Immutable after creation.
final class ResultStorage: Sendable {
    let columns: [String]
    let cells: [[String?]]
    private let positions: [String: Int]

    init(columns: [String], cells: [[String?]]) {
        self.columns = columns
        self.cells = cells
        var positions: [String: Int] = [:]
        // The first column of a name wins, as in PostgreSQL's own client APIs.
        for (position, name) in columns.enumerated() where positions[name] == nil {
            positions[name] = position
        }
        self.positions = positions
    }

    func position(of column: String) -> Int? {
        positions[column]
    }
}
