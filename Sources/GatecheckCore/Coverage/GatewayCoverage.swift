import Foundation
import Gateway
import Synchronization

/// A response received from a deployed stage, as its coverage counts it.
public struct ObservedExchange: Sendable, Hashable {
    public var method: String
    public var url: String
    public var status: Int
}

/// The responses a suite received, in order (appended from the suite's task; read once it finished).
public final class ObservedExchanges: Sendable {
    private let storage = Mutex<[ObservedExchange]>([])
    public init() {}
    public func append(_ exchange: ObservedExchange) { storage.withLock { $0.append(exchange) } }
    public var all: [ObservedExchange] { storage.withLock { $0 } }

    /// Each exchange as (method, path relative to `baseURL`, status); a URL outside `baseURL` is left out.
    func relative(to baseURL: String) -> [(method: String, path: String, status: Int)] {
        all.compactMap { exchange in
            ResponseContract.relativePath(of: exchange.url, to: baseURL).map { (exchange.method, $0, exchange.status) }
        }
    }
}

/// One suite's coverage input: what its API declares and what the gateway did with the suite's requests.
public struct CoverageRecording: Sendable {
    /// Where the figures come from.
    public enum Source: String, Sendable, Codable {
        /// Recorded inside the embedded emulator: every dimension is known.
        case embeddedEmulator = "embedded-emulator"
        /// Seen from outside a deployed stage: only the declared method-response statuses observed in responses.
        case deployedStage = "deployed-stage"
    }

    public var source: Source
    public var declared: DeclaredSurface
    /// Each distinct exercise with its number of requests. From a deployed stage, only `route` (by the definition's
    /// own routing) and `methodResponseStatus` (the status received) are set.
    public var exercised: [GatewayExercise: Int]

    public init(source: Source, declared: DeclaredSurface, exercised: [GatewayExercise: Int]) {
        self.source = source
        self.declared = declared
        self.exercised = exercised
    }

    /// What the emulator recorded for a suite.
    static func emulator(declared: DeclaredSurface, recorder: GatewayRecorder) -> CoverageRecording {
        CoverageRecording(source: .embeddedEmulator, declared: declared, exercised: recorder.recorded)
    }

    /// What can be known from a deployed stage: the status each response had, attributed to the method the
    /// definition routes the request to.
    static func deployed(api: APIDefinition, observed: [(method: String, path: String, status: Int)]) -> CoverageRecording {
        var exercised: [GatewayExercise: Int] = [:]
        for request in observed {
            var entry = GatewayLogEntry(route: api.routeKey(method: request.method, path: request.path))
            entry.methodResponseStatus = request.status
            exercised[entry, default: 0] += 1
        }
        return CoverageRecording(source: .deployedStage, declared: api.declaredSurface, exercised: exercised)
    }
}

/// Gateway coverage: what the definitions declare against what the run exercised, per API and in total.
/// Dimensions: methods (REST method x resource, HTTP API routes), integration responses per method, method-response
/// statuses per method, and the gateway response types a definition customises. From a deployed stage only the
/// method-response statuses can be known; the other dimensions are then nil ("not knowable"), never zero.
public struct GatewayCoverage: Sendable, Hashable, Encodable {
    /// `exercised` of `declared`.
    public struct Tally: Sendable, Hashable, Codable {
        public var exercised: Int
        public var declared: Int
        public init(exercised: Int = 0, declared: Int = 0) {
            self.exercised = exercised
            self.declared = declared
        }
        static func + (lhs: Tally, rhs: Tally) -> Tally { Tally(exercised: lhs.exercised + rhs.exercised, declared: lhs.declared + rhs.declared) }
        public var fraction: String { "\(exercised)/\(declared)" }
    }

    /// The four dimensions; nil where the source cannot know one.
    public struct Totals: Sendable, Hashable, Codable {
        public var methods: Tally?
        public var integrationResponses: Tally?
        public var methodResponses: Tally?
        public var gatewayResponses: Tally?

        static func + (lhs: Totals, rhs: Totals) -> Totals {
            func add(_ a: Tally?, _ b: Tally?) -> Tally? { a == nil && b == nil ? nil : (a ?? Tally()) + (b ?? Tally()) }
            return Totals(methods: add(lhs.methods, rhs.methods), integrationResponses: add(lhs.integrationResponses, rhs.integrationResponses),
                          methodResponses: add(lhs.methodResponses, rhs.methodResponses), gatewayResponses: add(lhs.gatewayResponses, rhs.gatewayResponses))
        }

        /// Exercised items of every known dimension over declared items, in percent; nil when nothing is declared.
        public var percent: Double? {
            let known = [methods, integrationResponses, methodResponses, gatewayResponses].compactMap { $0 }
            let declared = known.reduce(0) { $0 + $1.declared }
            guard declared > 0 else { return nil }
            return Double(known.reduce(0) { $0 + $1.exercised }) * 100 / Double(declared)
        }

        enum CodingKeys: String, CodingKey { case methods, integrationResponses, methodResponses, gatewayResponses, percent }

        init(methods: Tally? = nil, integrationResponses: Tally? = nil, methodResponses: Tally? = nil, gatewayResponses: Tally? = nil) {
            self.methods = methods
            self.integrationResponses = integrationResponses
            self.methodResponses = methodResponses
            self.gatewayResponses = gatewayResponses
        }

        /// Read back from `coverage.json` (`percent` is recomputed, not read).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            methods = try container.decodeIfPresent(Tally.self, forKey: .methods)
            integrationResponses = try container.decodeIfPresent(Tally.self, forKey: .integrationResponses)
            methodResponses = try container.decodeIfPresent(Tally.self, forKey: .methodResponses)
            gatewayResponses = try container.decodeIfPresent(Tally.self, forKey: .gatewayResponses)
        }

        /// Every dimension is written: `null` where the source cannot know it; `percent` rounded to 0.1.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(methods, forKey: .methods)
            try container.encode(integrationResponses, forKey: .integrationResponses)
            try container.encode(methodResponses, forKey: .methodResponses)
            try container.encode(gatewayResponses, forKey: .gatewayResponses)
            try container.encode(percent.map { ($0 * 10).rounded() / 10 }, forKey: .percent)
        }

        /// `14/17 methods, 22/30 integration responses, ...` (known dimensions only).
        public var text: String {
            var parts: [String] = []
            if let methods { parts.append("\(methods.fraction) methods") }
            if let integrationResponses { parts.append("\(integrationResponses.fraction) integration responses") }
            if let methodResponses { parts.append("\(methodResponses.fraction) method responses") }
            if let gatewayResponses { parts.append("\(gatewayResponses.fraction) gateway responses") }
            return parts.joined(separator: ", ")
        }
    }

    public struct IntegrationResponseCoverage: Sendable, Hashable, Codable {
        public var selectionPattern: String
        public var statusCode: String
        public var requests: Int
    }

    public struct StatusCount: Sendable, Hashable, Codable {
        public var statusCode: String
        public var requests: Int
    }

    public struct MethodCoverage: Sendable, Hashable, Codable {
        public var key: String
        public var integrationType: String?
        public var payloadFormatVersion: String?
        /// Requests that reached the method; nil from a deployed stage.
        public var requests: Int?
        /// Empty from a deployed stage (not knowable).
        public var integrationResponses: [IntegrationResponseCoverage]
        public var methodResponses: [StatusCount]
        /// Statuses the method answered with that it does not declare (REST), with their request counts.
        public var undeclaredStatuses: [StatusCount]
    }

    public struct GatewayResponseCount: Sendable, Hashable, Codable {
        public var type: String
        public var requests: Int
    }

    public struct APICoverage: Sendable, Hashable, Codable {
        public var file: String
        public var kind: String
        public var source: CoverageRecording.Source
        /// The suites whose requests are counted, in run order.
        public var suites: [String]
        public var methods: [MethodCoverage]
        /// The customised types with the requests that got them; empty from a deployed stage.
        public var customizedGatewayResponses: [GatewayResponseCount]
        /// Every gateway response type the gateway produced (customised or not), for information.
        public var producedGatewayResponses: [GatewayResponseCount]
        /// Requests no declared method matched.
        public var unmatchedRequests: Int
        public var totals: Totals
    }

    public var apis: [APICoverage]
    public var totals: Totals

    /// The `coverage.json` schema version (docs/coverage.md); raised only when a field changes meaning or goes away.
    public static let schemaVersion = 1

    enum CodingKeys: String, CodingKey { case schemaVersion, source, totals, neverExercised, apis }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
        try container.encode(source?.rawValue ?? "mixed", forKey: .source)
        try container.encode(totals, forKey: .totals)
        try container.encode(neverExercised, forKey: .neverExercised)
        try container.encode(apis, forKey: .apis)
    }

    /// `coverage.json`: pretty-printed, keys sorted, so two runs' files diff cleanly.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The same coverage with each API's file shown relative to `directory` (when it is inside it).
    public func relativeFiles(to directory: String) -> GatewayCoverage {
        var copy = self
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for index in copy.apis.indices where copy.apis[index].file.hasPrefix(prefix) {
            copy.apis[index].file.removeFirst(prefix.count)
        }
        return copy
    }

    /// Coverage of the recordings, one entry per API definition file (recordings of suites sharing a definition
    /// are added up), in the order the files first appear.
    public init(_ recordings: [(suite: String, recording: CoverageRecording)]) {
        var order: [String] = []
        var merged: [String: (recording: CoverageRecording, suites: [String])] = [:]
        for (suite, recording) in recordings {
            let key = recording.source.rawValue + "\u{0}" + recording.declared.file
            if var existing = merged[key] {
                existing.recording.exercised.merge(recording.exercised, uniquingKeysWith: +)
                if !existing.suites.contains(suite) { existing.suites.append(suite) }
                merged[key] = existing
            } else {
                order.append(key)
                merged[key] = (recording, [suite])
            }
        }
        apis = order.compactMap { merged[$0] }.map { Self.api($0.recording, suites: $0.suites) }
        totals = apis.reduce(Totals()) { $0 + $1.totals }
    }

    static func api(_ recording: CoverageRecording, suites: [String]) -> APICoverage {
        let inside = recording.source == .embeddedEmulator
        var byRoute: [String: [(GatewayExercise, Int)]] = [:]
        var unmatched = 0
        var produced: [String: Int] = [:]
        var customized: [String: Int] = [:]
        for (exercise, count) in recording.exercised {
            if let route = exercise.route { byRoute[route, default: []].append((exercise, count)) } else { unmatched += count }
            if let type = exercise.gatewayResponseType { produced[type, default: 0] += count }
            if let type = exercise.gatewayResponseCustomization { customized[type, default: 0] += count }
        }
        var totals = Totals(methods: inside ? Tally() : nil, integrationResponses: inside ? Tally() : nil, methodResponses: Tally(),
                            gatewayResponses: inside ? Tally() : nil)
        let methods = recording.declared.methods.map { method -> MethodCoverage in
            let seen = byRoute[method.key] ?? []
            let requests = seen.reduce(0) { $0 + $1.1 }
            let integrationResponses = inside ? method.integrationResponses.map { declared in
                IntegrationResponseCoverage(selectionPattern: declared.selectionPattern, statusCode: declared.statusCode,
                                            requests: seen.filter { exercise, _ in
                                                exercise.selectedResponse == declared.selectionPattern
                                                    && (exercise.integrationResponseStatus == nil || exercise.integrationResponseStatus == declared.statusCode)
                                            }.reduce(0) { $0 + $1.1 })
            } : []
            var statusCounts: [Int: Int] = [:]
            for (exercise, count) in seen {
                if let status = exercise.methodResponseStatus { statusCounts[status, default: 0] += count }
            }
            let methodResponses = method.methodResponseStatuses.map { StatusCount(statusCode: $0, requests: statusCounts[Int($0) ?? -1] ?? 0) }
            let declaredStatuses = Set(method.methodResponseStatuses.compactMap(Int.init))
            let undeclared = recording.declared.kind == .rest
                ? statusCounts.keys.filter { !declaredStatuses.contains($0) }.sorted().map { StatusCount(statusCode: String($0), requests: statusCounts[$0] ?? 0) }
                : []
            if inside {
                totals.methods = (totals.methods ?? Tally()) + Tally(exercised: requests > 0 ? 1 : 0, declared: 1)
                totals.integrationResponses = (totals.integrationResponses ?? Tally())
                    + Tally(exercised: integrationResponses.filter { $0.requests > 0 }.count, declared: integrationResponses.count)
            }
            totals.methodResponses = (totals.methodResponses ?? Tally())
                + Tally(exercised: methodResponses.filter { $0.requests > 0 }.count, declared: methodResponses.count)
            return MethodCoverage(key: method.key, integrationType: method.integrationType, payloadFormatVersion: method.payloadFormatVersion,
                                  requests: inside ? requests : nil, integrationResponses: integrationResponses, methodResponses: methodResponses,
                                  undeclaredStatuses: undeclared)
        }
        let gatewayResponses = inside ? recording.declared.customizedGatewayResponses.map { GatewayResponseCount(type: $0, requests: customized[$0] ?? 0) } : []
        if inside {
            totals.gatewayResponses = Tally(exercised: gatewayResponses.filter { $0.requests > 0 }.count, declared: gatewayResponses.count)
        }
        return APICoverage(file: recording.declared.file, kind: recording.declared.kind.rawValue, source: recording.source, suites: suites,
                           methods: methods, customizedGatewayResponses: gatewayResponses,
                           producedGatewayResponses: produced.keys.sorted().map { GatewayResponseCount(type: $0, requests: produced[$0] ?? 0) },
                           unmatchedRequests: unmatched, totals: totals)
    }

    /// The source of every API, or nil when the run mixed them.
    public var source: CoverageRecording.Source? {
        let sources = Set(apis.map(\.source))
        return sources.count == 1 ? sources.first : nil
    }

    /// Every declared item no request exercised, in declaration order:
    /// `GET /items/{id}` (a method), `GET /items/{id} pattern '.*Not Found.*' -> 404`, `GET /items/{id} default -> 200`,
    /// `GET /items method response 404`, `gateway response DEFAULT_4XX`. With several APIs, each item is prefixed by its file.
    public var neverExercised: [String] {
        var items: [String] = []
        for api in apis {
            let prefix = apis.count > 1 ? api.file + ": " : ""
            for method in api.methods {
                if method.requests == 0 { items.append(prefix + method.key) }
                for response in method.integrationResponses where response.requests == 0 {
                    items.append(prefix + Self.describe(response, of: method.key))
                }
                for status in method.methodResponses where status.requests == 0 {
                    items.append(prefix + "\(method.key) method response \(status.statusCode)")
                }
            }
            for response in api.customizedGatewayResponses where response.requests == 0 {
                items.append(prefix + "gateway response \(response.type)")
            }
        }
        return items
    }

    static func describe(_ response: IntegrationResponseCoverage, of method: String) -> String {
        if response.selectionPattern.hasPrefix("responseParameters.") {
            return "\(method) response mapping for integration status \(response.statusCode)"
        }
        if response.selectionPattern == "default" { return "\(method) default -> \(response.statusCode)" }
        return "\(method) pattern '\(response.selectionPattern)' -> \(response.statusCode)"
    }

    /// `84.6%`, or `n/a` when nothing is declared.
    public var percentText: String { totals.percent.map(Self.formatPercent) ?? "n/a" }

    static func formatPercent(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.0f%%", value) : String(format: "%.1f%%", value)
    }

    /// The console line: `coverage: 14/17 methods, 22/30 integration responses, ... (84.6%); never exercised: ...`.
    /// At most `listed` items are named; the rest are counted.
    public func summaryLine(listed: Int = 5, reportPath: String? = nil) -> String {
        let label = source == .deployedStage ? "coverage (deployed stage: declared method-response statuses observed in responses)" : "coverage"
        var line = "\(label): \(totals.text) (\(percentText))"
        let missing = neverExercised
        if !missing.isEmpty {
            line += "; never exercised: " + missing.prefix(listed).joined(separator: ", ")
            if missing.count > listed { line += ", ... (\(missing.count - listed) more\(reportPath.map { " in \($0)" } ?? ""))" }
        }
        return line
    }

    /// The JUnit `<properties>` of a suite's coverage (`coverage.methods` = `3/4`, ...; `coverage.source`).
    public var junitProperties: [NamedValue] {
        var properties = [NamedValue(name: "coverage.source", value: source?.rawValue ?? "mixed")]
        if let tally = totals.methods { properties.append(NamedValue(name: "coverage.methods", value: tally.fraction)) }
        if let tally = totals.integrationResponses { properties.append(NamedValue(name: "coverage.integrationResponses", value: tally.fraction)) }
        if let tally = totals.methodResponses { properties.append(NamedValue(name: "coverage.methodResponses", value: tally.fraction)) }
        if let tally = totals.gatewayResponses { properties.append(NamedValue(name: "coverage.gatewayResponses", value: tally.fraction)) }
        properties.append(NamedValue(name: "coverage.percent", value: totals.percent.map { String(format: "%.1f", $0) } ?? "n/a"))
        return properties
    }
}
