public import CivicCore

/// What an audit of the log found wrong: one sentence each, naming the record and
/// the leaf, never a record's content.
public struct LogProblem: Hashable, Sendable, Encodable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, Encodable {
        /// A stored record's bytes no longer hash to its leaf: it was rewritten.
        case recordRewritten = "record-rewritten"
        /// A leaf names a record the store no longer holds: it was deleted.
        case recordMissing = "record-missing"
        /// A stored record has no leaf: it was added outside a commit.
        case recordNotLogged = "record-not-logged"
        /// The leaves are not numbered 0, 1, 2, ... or cannot be read.
        case leavesDamaged = "leaves-damaged"
        /// A signed checkpoint's root differs from the root of the stored leaves at its size.
        case checkpointMismatch = "checkpoint-mismatch"
        /// A checkpoint was signed at a size beyond the stored leaves: history was cut off.
        case logTruncated = "log-truncated"
        /// A checkpoint's signature or text does not verify.
        case checkpointInvalid = "checkpoint-invalid"
        /// A stored tile differs from the tile recomputed from the leaves.
        case tileMismatch = "tile-mismatch"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The outcome of `LogAuditor.audit`.
public struct LogAudit: Sendable, Encodable {
    public var leaves: UInt64
    public var root: String
    public var checkpointsChecked: Int
    public var problems: [LogProblem]
    /// True when no checkpoint signature could be checked because no log key was given.
    public var signaturesUnchecked: Bool
}

/// Checks, without trusting anything the store derived, that the records are what
/// the log says and the log is what the checkpoints say: every record's canonical
/// bytes hash to its leaf, every leaf has its record and every record its leaf,
/// the leaves are numbered without gaps, the root recomputed from the leaves at each
/// checkpoint's size equals the root that checkpoint signed, every signature holds,
/// and the stored tiles are the tiles of the leaves.
///
/// An attacker who rewrites, deletes, reorders or truncates records (and drops the
/// triggers and recomputes the standings to hide it) must then also rewrite the
/// leaves, the tiles and every checkpoint, and cannot sign a checkpoint without the
/// log's key, nor make one consistent with a checkpoint a witness already holds.
public struct LogAuditor: Sendable {
    public var store: any TransparencyLogStore
    /// The log's public key; without it, signatures are not checked (and the audit says so).
    public var verifier: NoteVerifier?
    /// Leaves read per batch.
    public var batchSize = 10_000
    /// Problems listed per kind before the rest are only counted.
    public var problemsPerKindMax = 50

    public init(store: any TransparencyLogStore, verifier: NoteVerifier?) {
        self.store = store
        self.verifier = verifier
    }

    public func audit(progress: ProgressHandler? = nil) async throws -> LogAudit {
        var problems: [LogProblem] = []
        var counts: [LoggedRecord.Kind: Int] = [:]
        var listed: [LogProblem.Code: Int] = [:]
        func report(_ problem: LogProblem) {
            listed[problem.code, default: 0] += 1
            if listed[problem.code]! <= problemsPerKindMax { problems.append(problem) }
        }

        let size = try await store.logSize()
        let checkpoints = try await store.checkpoints()
        var pending = checkpoints.sorted { ($0.size, $0.id) < ($1.size, $1.id) }[...]
        for checkpoint in checkpoints { check(checkpoint, report: report) }

        var accumulator = RootAccumulator()
        var builder = TileRebuilder()
        var next: UInt64 = 0
        func settleCheckpoints() {
            while let checkpoint = pending.first, checkpoint.size <= accumulator.size {
                pending.removeFirst()
                guard checkpoint.size == accumulator.size else { continue }
                let root = accumulator.root
                if root != checkpoint.root {
                    report(LogProblem(.checkpointMismatch, "checkpoint \(checkpoint.id) signed the root \(checkpoint.root.base64) at size \(checkpoint.size), but the stored records give \(root.base64): the history before it was rewritten"))
                }
            }
        }
        settleCheckpoints()
        while next < size {
            let leaves = try await store.logLeaves(from: next, limit: batchSize)
            guard !leaves.isEmpty else {
                report(LogProblem(.leavesDamaged, "the log has \(size) leaves by its highest index, but none from index \(next) on"))
                break
            }
            var byKind: [LoggedRecord.Kind: [LogLeaf]] = [:]
            for leaf in leaves {
                if leaf.index != next {
                    report(LogProblem(.leavesDamaged, "leaf \(next) is missing: the next stored leaf is \(leaf.index)"))
                    next = leaf.index
                }
                byKind[leaf.kind, default: []].append(leaf)
                counts[leaf.kind, default: 0] += 1
                accumulator.append(leaf.hash)
                settleCheckpoints()
                next += 1
            }
            for (kind, kindLeaves) in byKind.sorted(by: { $0.key < $1.key }) {
                let (records, unreadable) = try await readable(kind, kindLeaves, report: report)
                for leaf in kindLeaves {
                    guard let bytes = records[leaf.key] else {
                        if unreadable.contains(leaf.key) { continue }
                        report(LogProblem(.recordMissing, "leaf \(leaf.index) is \(kind.rawValue) '\(leaf.key)', which the store no longer holds: it was deleted"))
                        continue
                    }
                    if Merkle.leafHash(bytes) != leaf.hash {
                        report(LogProblem(.recordRewritten, "\(kind.rawValue) '\(leaf.key)' no longer matches leaf \(leaf.index): it was changed after it was written"))
                    }
                }
            }
            for problem in try await builder.add(leaves.map(\.hash), store: store) { report(problem) }
            progress?(Progress(phase: "leaves", done: Int(next), total: Int(size)))
        }
        for checkpoint in pending {
            report(LogProblem(.logTruncated, "checkpoint \(checkpoint.id) was signed at size \(checkpoint.size), but the log holds only \(accumulator.size) leaves: records were cut off the end"))
        }
        for kind in LoggedRecord.Kind.allCases {
            let stored = try await store.loggedRecordCount(kind)
            if stored > counts[kind, default: 0] {
                for key in try await store.unloggedRecordKeys(kind, limit: problemsPerKindMax) {
                    report(LogProblem(.recordNotLogged, "\(kind.rawValue) '\(key)' is stored but not in the log: it was added outside a commit"))
                }
            }
        }
        for (code, count) in listed where count > problemsPerKindMax {
            problems.append(LogProblem(code, "… and \(count - problemsPerKindMax) more problem(s) of the kind \(code.rawValue)"))
        }
        return LogAudit(leaves: accumulator.size, root: accumulator.root.base64, checkpointsChecked: checkpoints.count,
                        problems: problems, signaturesUnchecked: verifier == nil)
    }

    /// The records of these leaves. A record the store cannot read any more (a value changed into one its
    /// column cannot hold) is reported as rewritten, one by one, instead of failing the audit.
    private func readable(
        _ kind: LoggedRecord.Kind, _ leaves: [LogLeaf], report: (LogProblem) -> Void
    ) async throws -> (records: [String: [UInt8]], unreadable: Set<String>) {
        do {
            return (try await store.loggedRecords(kind, keys: leaves.map(\.key)), [])
        } catch let error as CivicError where error.code == .corrupted {
            var records: [String: [UInt8]] = [:]
            var unreadable: Set<String> = []
            for leaf in leaves {
                do {
                    records.merge(try await store.loggedRecords(kind, keys: [leaf.key])) { $1 }
                } catch let error as CivicError where error.code == .corrupted {
                    report(LogProblem(.recordRewritten, "\(kind.rawValue) '\(leaf.key)' (leaf \(leaf.index)) can no longer be read: it was changed after it was written (\(error.message))"))
                    unreadable.insert(leaf.key)
                }
            }
            return (records, unreadable)
        }
    }

    /// The checkpoint's note must parse, commit to the size and root stored beside it, and carry the log's signature.
    private func check(_ stored: StoredCheckpoint, report: (LogProblem) -> Void) {
        do {
            let note = try SignedNote.parse(stored.note)
            let checkpoint = try Checkpoint.parse(body: note.text)
            guard checkpoint.size == stored.size, checkpoint.root == stored.root else {
                report(LogProblem(.checkpointInvalid, "checkpoint \(stored.id) is stored with size \(stored.size) and root \(stored.root.base64), but its signed text says \(checkpoint.size) and \(checkpoint.root.base64)"))
                return
            }
            if let verifier {
                guard checkpoint.origin == verifier.name else {
                    report(LogProblem(.checkpointInvalid, "checkpoint \(stored.id) is for the log '\(checkpoint.origin)', not '\(verifier.name)'"))
                    return
                }
                _ = try note.verify(with: [verifier])
            }
        } catch {
            report(LogProblem(.checkpointInvalid, "checkpoint \(stored.id) does not verify: \(error)"))
        }
    }
}

/// Rebuilds the tiles from the leaves as an audit reads them, and compares each tile
/// above the leaves with the stored one.
struct TileRebuilder {
    private var size: UInt64 = 0
    /// The partial tiles on the right edge, by (level, index).
    private var edge: [Position: [LogHash]] = [:]

    struct Position: Hashable {
        var level: UInt8
        var index: UInt64
    }

    mutating func add(_ leaves: [LogHash], store: any TransparencyLogStore) async throws -> [LogProblem] {
        var known: [TileKey: [LogHash]] = [:]
        for key in TlogTiles.edgeTiles(size: size) {
            if let hashes = edge[Position(level: key.level, index: key.index)] { known[key] = Array(hashes.prefix(key.width)) }
        }
        let grown = try TlogTiles.append(size: size, edge: known, leaves: leaves)
        size += UInt64(leaves.count)
        for tile in grown { edge[Position(level: tile.key.level, index: tile.key.index)] = tile.hashes }
        let keep = Set(TlogTiles.edgeTiles(size: size).map { Position(level: $0.level, index: $0.index) })
        edge = edge.filter { keep.contains($0.key) }
        var problems: [LogProblem] = []
        let checked = grown.filter { $0.key.level > 0 }
        if !checked.isEmpty {
            let stored = try await store.logTiles(checked.map(\.key))
            for tile in checked where stored[tile.key] != tile.hashes {
                problems.append(LogProblem(.tileMismatch, "the stored tile \(tile.key.path) differs from the tile of the stored leaves"))
            }
        }
        // A full tile's interior hashes, which proofs read instead of hashing, must be those of its hashes.
        let full = grown.filter { $0.hashes.count == TileKey.fullWidth }
        if !full.isEmpty {
            let interiors = try await store.logTileInteriors(full.map(\.key))
            for tile in full {
                // A store keeps all 255 interior hashes or the upper 31; either must be the tile's own.
                let expected = TlogTiles.interior(of: tile.hashes) ?? []
                if let stored = interiors[tile.key],
                   [TlogTiles.interiorCount, TlogTiles.upperInteriorCount].contains(stored.count),
                   stored == Array(expected.suffix(stored.count)) { continue }
                problems.append(LogProblem(.tileMismatch, "the stored interior of tile \(tile.key.path) differs from the tile of the stored leaves"))
            }
        }
        return problems
    }
}
