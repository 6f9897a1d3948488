import Foundation

/// Why a shard's `coverage.json` cannot be read.
public struct CoverageFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

extension GatewayCoverage {
    /// Reads a `coverage.json` that `gatecheck run` wrote (schema version 1).
    public static func read(path: String) throws(CoverageFileError) -> GatewayCoverage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CoverageFileError(path: path, message: "cannot read the coverage report")
        }
        do {
            return try JSONDecoder().decode(GatewayCoverage.self, from: data)
        } catch let error as CoverageFileError {
            throw CoverageFileError(path: path, message: error.message)
        } catch {
            throw CoverageFileError(path: path, message: "not a gatecheck coverage.json (\(error))")
        }
    }

    /// The coverage of several runs (the shards of one CI run) as one: APIs with the same definition file and source
    /// are added up item by item (an item exercised in any shard is exercised), suites are joined, totals recomputed.
    public init(merging parts: [GatewayCoverage]) {
        var order: [String] = []
        var merged: [String: APICoverage] = [:]
        for api in parts.flatMap(\.apis) {
            let key = api.source.rawValue + "\u{0}" + api.file
            if let existing = merged[key] {
                merged[key] = Self.add(existing, api)
            } else {
                order.append(key)
                merged[key] = api
            }
        }
        apis = order.compactMap { merged[$0] }.map { api in
            var copy = api
            copy.totals = Self.totals(of: api)
            return copy
        }
        totals = apis.reduce(Totals()) { $0 + $1.totals }
    }

    private static func add(_ a: APICoverage, _ b: APICoverage) -> APICoverage {
        var sum = a
        sum.suites += b.suites.filter { !a.suites.contains($0) }
        for method in b.methods {
            guard let index = sum.methods.firstIndex(where: { $0.key == method.key }) else { sum.methods.append(method); continue }
            var mine = sum.methods[index]
            if mine.requests != nil || method.requests != nil { mine.requests = (mine.requests ?? 0) + (method.requests ?? 0) }
            for response in method.integrationResponses {
                if let at = mine.integrationResponses.firstIndex(where: { $0.selectionPattern == response.selectionPattern && $0.statusCode == response.statusCode }) {
                    mine.integrationResponses[at].requests += response.requests
                } else {
                    mine.integrationResponses.append(response)
                }
            }
            mine.methodResponses = addCounts(mine.methodResponses, method.methodResponses, sorted: false)
            mine.undeclaredStatuses = addCounts(mine.undeclaredStatuses, method.undeclaredStatuses, sorted: true)
            sum.methods[index] = mine
        }
        sum.customizedGatewayResponses = addTypes(a.customizedGatewayResponses, b.customizedGatewayResponses)
        sum.producedGatewayResponses = addTypes(a.producedGatewayResponses, b.producedGatewayResponses).sorted { $0.type < $1.type }
        sum.unmatchedRequests += b.unmatchedRequests
        return sum
    }

    private static func addCounts(_ a: [StatusCount], _ b: [StatusCount], sorted: Bool) -> [StatusCount] {
        var result = a
        for count in b {
            if let at = result.firstIndex(where: { $0.statusCode == count.statusCode }) { result[at].requests += count.requests } else { result.append(count) }
        }
        return sorted ? result.sorted { (Int($0.statusCode) ?? 0) < (Int($1.statusCode) ?? 0) } : result
    }

    private static func addTypes(_ a: [GatewayResponseCount], _ b: [GatewayResponseCount]) -> [GatewayResponseCount] {
        var result = a
        for count in b {
            if let at = result.firstIndex(where: { $0.type == count.type }) { result[at].requests += count.requests } else { result.append(count) }
        }
        return result
    }

    /// An API's totals from its item counts (the same rules as a run's: inside the emulator every dimension, from a
    /// deployed stage the method responses only).
    static func totals(of api: APICoverage) -> Totals {
        func tally<T>(_ items: [T], _ requests: (T) -> Int) -> Tally {
            Tally(exercised: items.filter { requests($0) > 0 }.count, declared: items.count)
        }
        let methodResponses = api.methods.reduce(Tally()) { $0 + tally($1.methodResponses, \.requests) }
        guard api.source == .embeddedEmulator else { return Totals(methodResponses: methodResponses) }
        return Totals(methods: tally(api.methods) { $0.requests ?? 0 },
                      integrationResponses: api.methods.reduce(Tally()) { $0 + tally($1.integrationResponses, \.requests) },
                      methodResponses: methodResponses,
                      gatewayResponses: tally(api.customizedGatewayResponses, \.requests))
    }
}

extension GatewayCoverage: Decodable {
    /// Reads `coverage.json`; the totals are recomputed from the APIs' own totals.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .schemaVersion)
        guard version == Self.schemaVersion else {
            throw CoverageFileError(path: "", message: "coverage.json schema version \(version), this gatecheck reads version \(Self.schemaVersion)")
        }
        apis = try container.decode([APICoverage].self, forKey: .apis)
        totals = apis.reduce(Totals()) { $0 + $1.totals }
    }
}
