import CivicCore
import CivicLog
import Foundation
import Hummingbird
import NIOCore

/// The transparency log's public routes, written by hand on the router (openapi.yaml documents
/// them under the tag `transparency`): the latest signed checkpoint with its cosignatures, the
/// log's public key, the tiles in the C2SP tlog-tiles layout, inclusion and consistency proofs,
/// and witnesses' cosignatures coming in. Everything here is hashes and signatures: no name,
/// statement or note leaves the server through the log.
struct LogRoutes {
    let services: APIServices

    func register(on router: Router<APIRequestContext>) {
        router.get("/log/checkpoint") { _, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLogCheckpoint)
            guard let note = try await log().publishedCheckpoint() else {
                throw APIError(.notFound, "the log has no signed checkpoint yet")
            }
            return Self.text(note, cache: "no-cache")
        }
        router.get("/log/key") { _, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLogKey)
            guard let verifier = services.logKey?.verifier else { throw APIError(.notFound, "this server has no log key") }
            return Self.text(verifier.vkey + "\n", cache: "public, max-age=3600")
        }
        router.get("/log/tile/**") { _, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLogTile)
            return try await tile(context: context)
        }
        router.get("/log/entries/:entryId/proof") { request, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLogEntryProof)
            return try await proof(kind: .entry, key: Self.decoded(context.parameters.get("entryId")), request: request)
        }
        router.get("/log/records/:kind/:key/proof") { request, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLogRecordProof)
            let kindText = context.parameters.get("kind") ?? ""
            guard let kind = LoggedRecord.Kind(rawValue: kindText) else {
                throw APIError(.badRequest, "'\(kindText.prefix(40))' is not a kind of record: \(LoggedRecord.Kind.allCases.map(\.rawValue).joined(separator: ", "))", at: "path kind")
            }
            return try await proof(kind: kind, key: Self.decoded(context.parameters.get("key")), request: request)
        }
        router.get("/log/consistency") { request, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLogConsistency)
            let from = try Self.size(request, "from")
            let to = try Self.size(request, "to")
            guard from <= to else { throw APIError(.badRequest, "from (\(from)) must not be larger than to (\(to))", at: "query from") }
            let proof: [LogHash]
            do {
                proof = try await log().consistency(from: from, to: to)
            } catch let error as CivicError {
                throw APIError(error)
            }
            return try Self.json(["from": .number(from), "to": .number(to), "proof": .hashes(proof)])
        }
        router.post("/log/cosignatures") { request, context -> Response in
            _ = try Policy.admit(context.caller, to: .addLogCosignature)
            let body = try await request.body.collect(upTo: 4096)
            return try await cosign(String(decoding: body.readableBytesView, as: UTF8.self))
        }
    }

    private func log() throws -> TransparencyLog {
        guard let log = services.log else { throw APIError(.notFound, "this server's store keeps no transparency log") }
        return log
    }

    private func tile(context: APIRequestContext) async throws -> Response {
        let path = "tile/" + (context.parameters.getCatchAll().joined(separator: "/"))
        let key: TileKey
        do {
            key = try TileKey(path: path)
        } catch {
            throw APIError(.badRequest, "'\(path.prefix(80))' is not a tile path (tile/L/N or tile/L/N.p/W): \(error)", at: "path")
        }
        let tiles = try await log().store.logTiles([key])
        guard let hashes = tiles[key] else { throw APIError(.notFound, "the log holds no tile \(key.path) (yet)") }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        // A full tile never changes; a partial one is replaced by a wider one as the log grows.
        headers[.cacheControl] = key.width == TileKey.fullWidth ? "public, max-age=31536000, immutable" : "public, max-age=60"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try Tile(key: key, hashes: hashes).serialized)))
    }

    private func proof(kind: LoggedRecord.Kind, key: String, request: Request) async throws -> Response {
        guard !key.isEmpty, key.utf8.count <= 512 else { throw APIError(.badRequest, "name the record", at: "path") }
        let size = try request.uri.queryParameters.get("size").map { _ in try Self.size(request, "size") }
        let proof: InclusionProof, checkpoint: StoredCheckpoint?
        do {
            (proof, checkpoint) = try await log().inclusion(kind: kind, key: key, size: size)
        } catch let error as CivicError {
            throw APIError(error)
        }
        var fields: [String: Field] = [
            "kind": .text(kind.rawValue), "key": .text(key), "leafIndex": .number(proof.leaf.index),
            "leafHash": .text(proof.leaf.hash.base64), "treeSize": .number(proof.size), "proof": .hashes(proof.proof),
        ]
        if let checkpoint { fields["checkpoint"] = .text(checkpoint.note) }
        return try Self.json(fields)
    }

    /// Accepts a witness's cosignature line if it verifies, with a witness key the server was told to trust,
    /// over one of the latest checkpoints.
    private func cosign(_ body: String) async throws -> Response {
        let lines = body.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard lines.count == 1, let line = lines.first else {
            throw APIError(.badRequest, "send one signature line (— name base64) as text/plain", at: "body")
        }
        let signature: NoteSignature
        do {
            signature = try NoteSignature(line: line)
        } catch {
            throw APIError(.badRequest, "not a signature line: \(error)", at: "body")
        }
        guard let witness = services.configuration.witnesses.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else {
            throw APIError(.unprocessableContent, code: "unknown-witness", "'\(signature.name.prefix(80))' is not a witness this log publishes cosignatures from")
        }
        let log = try log()
        let recent = try await log.store.latestCheckpoints(16)
        for stored in recent {
            guard let note = try? SignedNote.parse(stored.note), let checkpoint = try? Checkpoint.parse(body: note.text) else { continue }
            if (try? witness.verify(signature, of: checkpoint)) != nil {
                try await log.store.addCosignature(StoredCosignature(checkpoint: stored.id, witness: witness.name, line: line,
                                                                     receivedAt: Int64(services.now())))
                return try Self.json(["checkpoint": .number(UInt64(stored.id)), "treeSize": .number(stored.size)])
            }
        }
        throw APIError(.conflict, code: "not-a-checkpoint", "the cosignature does not verify over any of the log's latest checkpoints")
    }

    /// A path segment as the record's key: percent-encoding undone (an id may hold '@' or '#').
    private static func decoded(_ segment: String?) -> String {
        guard let segment else { return "" }
        return segment.removingPercentEncoding ?? segment
    }

    private static func size(_ request: Request, _ name: String) throws -> UInt64 {
        guard let text = request.uri.queryParameters.get(name) else { throw APIError(.badRequest, "\(name) is required", at: "query \(name)") }
        guard let value = UInt64(text), String(value) == text else {
            throw APIError(.badRequest, "\(name) must be a tree size (a whole number)", at: "query \(name)")
        }
        return value
    }

    enum Field: Encodable {
        case text(String)
        case number(UInt64)
        case hashes([LogHash])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            case .hashes(let hashes): try container.encode(hashes.map(\.base64))
            }
        }
    }

    static func json(_ fields: [String: Field]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return EligibilityRoutes.json(ByteBuffer(bytes: try encoder.encode(fields)))
    }

    static func text(_ text: String, cache: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = cache
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
