import Gateway

extension APIMappingSpec {
    /// Parses `--base-path BASE=STAGE`: a base path (`v1`, `orders/v1`, `(none)` or empty) mapped to a stage of the
    /// `--api` definition.
    public static func parseBasePath(_ item: String) -> Result<APIMappingSpec, EmulatorError> {
        guard let equals = item.firstIndex(of: "=") else {
            return .failure(EmulatorError("--base-path expects BASE=STAGE (e.g. v1=prod, (none)=prod), got '\(item)'"))
        }
        let stage = String(item[item.index(after: equals)...])
        guard !stage.isEmpty else { return .failure(EmulatorError("--base-path '\(item)' names no stage after '='")) }
        switch APIMappingKey.parse(String(item[..<equals])) {
        case let .failure(problem): return .failure(EmulatorError("--base-path: \(problem.message)"))
        case let .success(key): return .success(APIMappingSpec(basePath: key, stage: stage))
        }
    }

    /// Parses `--mount BASE=FILE[:STAGE]`: another API definition served on the same custom domain under a base path
    /// (its stage: REST `test`, HTTP APIs `$default`, unless `:STAGE` names one).
    public static func parseMount(_ item: String) -> Result<APIMappingSpec, EmulatorError> {
        guard let equals = item.firstIndex(of: "=") else {
            return .failure(EmulatorError("--mount expects BASE=FILE[:STAGE] (e.g. v2=orders.yaml:prod), got '\(item)'"))
        }
        var file = String(item[item.index(after: equals)...])
        var stage: String?
        // A trailing `:name` is the stage when it looks like one (stage names: letters, digits, `-`, `_`; `$default`).
        if let colon = file.lastIndex(of: ":") {
            let candidate = file[file.index(after: colon)...]
            let stageCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_$")
            if !candidate.isEmpty, candidate.allSatisfy({ stageCharacters.contains($0) }), colon != file.startIndex {
                stage = String(candidate)
                file = String(file[..<colon])
            }
        }
        guard !file.isEmpty else { return .failure(EmulatorError("--mount '\(item)' names no API file after '='")) }
        switch APIMappingKey.parse(String(item[..<equals])) {
        case let .failure(problem): return .failure(EmulatorError("--mount: \(problem.message)"))
        case let .success(key): return .success(APIMappingSpec(basePath: key, apiPath: file, stage: stage))
        }
    }

    /// The mappings of `--base-path` and `--mount` together; a base path given twice is an error (API Gateway
    /// refuses a second mapping with the same path on one domain).
    public static func parseOptions(basePaths: [String], mounts: [String]) -> Result<[APIMappingSpec], EmulatorError> {
        var mappings: [APIMappingSpec] = []
        for item in basePaths {
            switch parseBasePath(item) {
            case let .failure(error): return .failure(error)
            case let .success(mapping): mappings.append(mapping)
            }
        }
        for item in mounts {
            switch parseMount(item) {
            case let .failure(error): return .failure(error)
            case let .success(mapping): mappings.append(mapping)
            }
        }
        if let error = duplicate(in: mappings) { return .failure(error) }
        return .success(mappings)
    }

    /// The error for a base path mapped twice (API Gateway refuses a second mapping with the same path on one domain).
    public static func duplicate(in mappings: [APIMappingSpec]) -> EmulatorError? {
        var seen = Set<APIMappingKey>()
        for mapping in mappings where !seen.insert(mapping.basePath).inserted {
            return EmulatorError("base path '\(mapping.basePath)' is mapped twice; a custom domain maps each base path to one stage")
        }
        return nil
    }
}
