import Foundation
import HTTPTypes
import Yams

/// The request side of the OpenAPI document, read once from the served bytes, and held against each
/// request before the operation decodes it: fields a body schema does not name, and query parameters
/// that are not of their declared type or range. The generated decoders ignore unknown fields and
/// report query errors without the parameter's name; this says "body.subjects[0].nickname" or
/// "query limit" instead. Requests to paths the document does not describe (the pages) pass untouched.
struct RequestContract: Sendable {
    /// What a JSON value must look like, as far as this check goes: the object fields it may have,
    /// and what an array holds.
    indirect enum Shape: Sendable {
        case object([String: Shape])
        case array(Shape)
        /// Anything else: a scalar, or an object the document leaves open.
        case any
    }

    struct QueryParameter: Sendable {
        var name: String
        var type: String?
        var minimum: Int?
        var maximum: Int?
        var values: [String]?
    }

    struct Operation: Sendable {
        var method: HTTPRequest.Method
        /// Path segments; nil stands for a `{parameter}`.
        var segments: [String?]
        var query: [String: QueryParameter]
        var body: Shape?
    }

    let operations: [Operation]

    /// The contract of the document this server serves.
    static let served: RequestContract = {
        do {
            return try RequestContract(yaml: OpenAPIDocument.yaml)
        } catch {
            preconditionFailure("the served OpenAPI document does not parse: \(error)")
        }
    }()

    init(yaml: String) throws {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any] else { throw CocoaError(.coderReadCorrupt) }
        let components = document["components"] as? [String: Any] ?? [:]
        let schemas = components["schemas"] as? [String: Any] ?? [:]
        let parameters = components["parameters"] as? [String: Any] ?? [:]
        func resolve(_ node: Any?, in table: [String: Any]) -> [String: Any]? {
            guard let node = node as? [String: Any] else { return nil }
            if let reference = node["$ref"] as? String, let name = reference.split(separator: "/").last {
                return table[String(name)] as? [String: Any]
            }
            return node
        }
        func shape(_ node: Any?, depth: Int) -> Shape {
            guard depth < 32, let schema = resolve(node, in: schemas) else { return .any }
            if let items = schema["items"] { return .array(shape(items, depth: depth + 1)) }
            if let properties = schema["properties"] as? [String: Any], schema["additionalProperties"] == nil {
                return .object(properties.mapValues { shape($0, depth: depth + 1) })
            }
            return .any
        }
        var operations: [Operation] = []
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            guard let item = item as? [String: Any] else { continue }
            let segments: [String?] = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            for (method, node) in item {
                guard let operation = node as? [String: Any], let verb = HTTPRequest.Method(method.uppercased()) else { continue }
                var query: [String: QueryParameter] = [:]
                for parameter in (operation["parameters"] as? [Any] ?? []) + (item["parameters"] as? [Any] ?? []) {
                    guard let parameter = resolve(parameter, in: parameters), parameter["in"] as? String == "query",
                          let name = parameter["name"] as? String else { continue }
                    let schema = resolve(parameter["schema"], in: schemas) ?? [:]
                    query[name] = QueryParameter(name: name, type: schema["type"] as? String, minimum: schema["minimum"] as? Int,
                                                 maximum: schema["maximum"] as? Int, values: (schema["enum"] as? [Any])?.map { "\($0)" })
                }
                let content = (resolve(operation["requestBody"], in: components["requestBodies"] as? [String: Any] ?? [:])?["content"]
                    as? [String: Any])?["application/json"] as? [String: Any]
                operations.append(Operation(method: verb, segments: segments, query: query,
                                            body: content.map { shape($0["schema"], depth: 0) }))
            }
        }
        self.operations = operations
    }

    /// The operation a request is for: the one whose path matches with the fewest parameters.
    func operation(_ method: HTTPRequest.Method, path: Substring) -> Operation? {
        let parts = path.split(separator: "/")
        return operations.filter { operation in
            operation.method == method && operation.segments.count == parts.count
                && zip(operation.segments, parts).allSatisfy { segment, part in segment.map { $0 == part } ?? true }
        }.min { $0.segments.filter { $0 == nil }.count < $1.segments.filter { $0 == nil }.count }
    }

    /// Throws a 400 naming the parameter or field that breaks the contract.
    func check(_ method: HTTPRequest.Method, path: String, query: String?, json: [UInt8]?) throws {
        guard let operation = operation(method, path: Substring(path)) else { return }
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            guard let parameter = operation.query[name] else { continue }
            try Self.check(value, against: parameter)
        }
        guard let shape = operation.body, let json, !json.isEmpty,
              let value = try? JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed]) else { return }
        try Self.check(value, against: shape, at: "body")
    }

    static func check(_ value: String, against parameter: QueryParameter) throws {
        let location = "query \(parameter.name)"
        if let values = parameter.values, !values.contains(value) {
            throw APIError(.badRequest, "the query parameter '\(parameter.name)' must be one of: \(values.joined(separator: ", "))", at: location)
        }
        if parameter.type == "integer" {
            let range = "\(parameter.minimum.map(String.init) ?? "any") to \(parameter.maximum.map(String.init) ?? "any")"
            guard let number = Int(value), number >= (parameter.minimum ?? .min), number <= (parameter.maximum ?? .max) else {
                throw APIError(.badRequest, "the query parameter '\(parameter.name)' must be a whole number from \(range)", at: location)
            }
        }
    }

    static func check(_ value: Any, against shape: Shape, at location: String) throws {
        switch shape {
        case .any:
            return
        case .array(let items):
            guard let array = value as? [Any] else { return }  // the wrong type is the decoder's to report
            for (index, element) in array.enumerated() { try check(element, against: items, at: "\(location)[\(index)]") }
        case .object(let fields):
            guard let object = value as? [String: Any] else { return }
            for key in object.keys.sorted() {
                guard let field = fields[key] else {
                    throw APIError(.badRequest, code: "unknown-field",
                                   "the field '\(key.prefix(64))' is not part of this operation's request; known fields: \(fields.keys.sorted().joined(separator: ", "))",
                                   at: "\(location).\(key.prefix(64))")
                }
                try check(object[key]!, against: field, at: "\(location).\(key)")
            }
        }
    }
}
