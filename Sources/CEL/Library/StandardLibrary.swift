/// The whole function library the engine offers: the core (operators, conversions,
/// collections, strings predicates) plus the time library and the extensions. This is
/// the single entry point the checker and the planner use.
public enum StandardLibrary {
    /// Every library function, one `FunctionDecl` per name, with the overloads of all
    /// libraries that declare that name merged (e.g. `_+_` gets the core number, string,
    /// bytes and list overloads and the time library's timestamp/duration ones). Overload
    /// ids are cel-go's; when two libraries declare the same id the first one wins.
    ///
    /// Parameter types are exact so that the run time can pick an overload when the checker
    /// could only say `dyn` (see ``Value/conforms(to:)``); type parameters (`A`, `K`, `V`)
    /// stand for any type and tie parameters together for the checker.
    public static func declarations(limits: Limits = .default) -> [FunctionDecl] {
        limits == .default ? defaultDeclarations : merge(libraries(limits: limits)).map(LibraryCosts.apply)
    }

    /// Built once: environments are created per module, and building costs hundreds of µs.
    private static let defaultDeclarations = merge(libraries(limits: .default)).map(LibraryCosts.apply)

    /// The function name used by the `transformMap` expansion to add an entry to the
    /// accumulated map (also declared as `cel.@mapInsert`, cel-go's name).
    public static let mapInsertFunction = CoreCollections.mapInsert

    /// The libraries in precedence order.
    static func libraries(limits: Limits) -> [[FunctionDecl]] {
        [
            CoreArithmetic.declarations(limits: limits),
            CoreComparisons.declarations(),
            CoreCollections.declarations(limits: limits),
            CoreConversions.declarations(),
            TimeLibrary.declarations(limits: limits),
            RegexLibrary.declarations(limits: limits),
            RegexExtension.declarations(limits: limits),
            StringsExtension.declarations(limits: limits),
            MathExtension.declarations(limits: limits),
            EncodersExtension.declarations(limits: limits),
            ListsExtension.declarations(limits: limits) + SetsExtension.declarations(limits: limits),
            OptionalsLibrary.declarations(limits: limits),
            NetworkLibrary.declarations(limits: limits),
        ]
    }

    /// Merges declarations by function name, keeping first-seen order and dropping
    /// overloads whose id was already declared under that name.
    public static func merge(_ libraries: [[FunctionDecl]]) -> [FunctionDecl] {
        var result: [FunctionDecl] = []
        var position: [String: Int] = [:]
        for library in libraries {
            for decl in library {
                if let i = position[decl.name] {
                    for overload in decl.overloads
                    where !result[i].overloads.contains(where: { $0.id == overload.id }) {
                        result[i].overloads.append(overload)
                    }
                } else {
                    position[decl.name] = result.count
                    result.append(decl)
                }
            }
        }
        return result
    }
}
