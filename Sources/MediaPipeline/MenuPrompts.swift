import Foundation
import IVRConfiguration
import PromptMixer

/// The prompts a menu file can play, loaded from its `prompts.root` once, and the prompt checks of
/// `ivrmedia check`: missing files here, prompts heard as keys in `MenuPrompts+Keys.swift`.
public enum MenuPrompts {
    /// Every (prompt, language) pair the configuration can play: each prompt it names (templates
    /// expanded with each line's `vars`) in each supported language (language-neutral prompts once), and
    /// the digit prompts of `say`.
    public static func requests(_ configuration: MenuConfiguration) -> [PromptRequest] {
        var requests: [PromptRequest] = []
        var seen = Set<PromptRequest>()
        func add(_ id: String, _ language: String?) {
            let request = PromptRequest(id: id, language: language)
            if seen.insert(request).inserted { requests.append(request) }
        }
        for id in promptIDs(configuration) where configuration.prompts.items[id]?.isAlias != true {
            for language in languages(of: id, configuration) { add(id, language) }
        }
        for language in configuration.languages.supported {
            for id in sayIDs(language: language) { add(id, language) }
        }
        return requests
    }

    /// The prompt ids a configuration names, with `${vars.*}` expanded for every line.
    static func promptIDs(_ configuration: MenuConfiguration) -> [String] {
        namedPrompts(configuration).map(\.id)
    }

    /// Each prompt id a configuration names (`${vars.*}` expanded for every line), once, with the first
    /// place in the file that names it, in the order of the file: where the checks report a prompt.
    static func namedPrompts(
        _ configuration: MenuConfiguration
    ) -> [(id: String, place: MenuConfiguration.PromptReference)] {
        var named: [(id: String, place: MenuConfiguration.PromptReference)] = []
        var seen = Set<String>()
        for reference in configuration.promptReferences {
            for id in configuration.lineExpansions(of: reference.template).map(\.value) where seen.insert(id).inserted {
                named.append((id, reference))
            }
        }
        return named
    }

    /// The languages prompt `id` is requested in: nil alone for a language-neutral prompt, otherwise each
    /// supported language.
    static func languages(of id: String, _ configuration: MenuConfiguration) -> [String?] {
        configuration.prompts.items[id]?.languageNeutral == true ? [nil] : configuration.languages.supported
    }

    /// Every id `say` can use in `language`: each key, and the words of numbers.
    static func sayIDs(language: String) -> [String] {
        var ids = Say.digits("0123456789*#ABCD")
        var seen = Set(ids)
        var samples = Array(0...1000)
        for scale in [1000, 1_000_000] {
            for n in [1, 2, 3, 5, 11, 12, 21, 22, 25, 100, 200, 300, 400, 500, 600, 700, 800, 900] {
                samples.append(n * scale)
            }
        }
        for n in samples {
            for id in Say.number(n, language: language) ?? [] where seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }

    /// The library of `configuration`'s prompts.
    public static func load(_ configuration: MenuConfiguration) throws(PromptLibraryError) -> PromptLibrary {
        try PromptLibrary.load(
            root: configuration.prompts.root,
            formats: configuration.prompts.formats.compactMap { PromptFormat(rawValue: $0) },
            fallbackLanguages: configuration.languages.fallback, requests: requests(configuration))
    }

    /// The prompt check: a prompt the file names that has no file for a supported language is a warning
    /// (the call goes on without it, logged as `prompt_missing`); one with no file in any language is an
    /// error (a misspelt id, most likely). Digit prompts for `say` are checked only when the file says
    /// something.
    public static func check(_ configuration: MenuConfiguration, _ library: PromptLibrary) -> [ConfigurationProblem] {
        let missing = Set(library.missing)
        var problems: [ConfigurationProblem] = []
        for (id, place) in namedPrompts(configuration) where configuration.prompts.items[id]?.isAlias != true {
            let languages = languages(of: id, configuration)
            let absent = languages.filter { missing.contains(PromptRequest(id: id, language: $0)) }
            guard !absent.isEmpty else { continue }
            let all = absent.count == languages.count
            let which = absent.map { $0 ?? "neutral" }.joined(separator: ", ")
            problems.append(
                ConfigurationProblem(
                    all ? .error : .warning, file: configuration.path, line: place.line, column: place.column,
                    message: all
                        ? "prompt `\(id)` has no file under \(configuration.prompts.root) in any language"
                        : "prompt `\(id)` has no file for \(which) under \(configuration.prompts.root) (skipped in calls)"
                ))
        }
        return problems
    }
}
