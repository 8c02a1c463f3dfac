import Foundation
import PromptMixer
import Testing

/// The committed Prompts/ tree: every prompt of the two example menus of ivr-config.md, in each
/// supported language, decodes and sounds like speech.
struct PromptsDirectoryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Prompts").path

    /// The prompts of Example A (§4) and Example B (§5), plus the ticket read-out.
    static let menuPrompts = [
        "op_greeting", "op_menu_short", "invalid_entry", "connecting", "forwarding_to_hotline", "goodbye",
        "legal_notice", "lang_menu", "main_menu", "main_menu_short", "menu_hint_star", "enter_ticket_number",
        "ticket_not_found", "closed_hours_daily_9_19", "closed_hours_daily_9_21", "closed_hours_always",
        "holiday_closed", "your_ticket_number",
    ]

    static func requests(_ languages: [String]) -> [PromptRequest] {
        var ids = menuPrompts + Say.digits("0123456789*#")
        for number in [
            0, 1, 2, 5, 11, 19, 21, 99, 100, 345, 999, 1000, 2000, 5000, 21_000, 999_999, 2_000_000, 5_000_000,
        ] {
            ids += Say.number(number, language: languages[0]) ?? []
        }
        return languages.flatMap { language in ids.map { PromptRequest(id: $0, language: language) } }
    }

    @Test("every prompt of the example menus and every number word exists in ru and en; tt falls back to ru")
    func complete() throws {
        for languages in [["ru", "tt"], ["en"]] {
            let library = try PromptLibrary.load(
                root: Self.root, fallbackLanguages: ["ru"], requests: Self.requests(languages))
            #expect(library.missing.isEmpty, "missing: \(library.missing)")
            for handle in library.handles {
                if handle.id == "lang_menu" {
                    #expect(handle.resolution == .languageNeutral, "lang_menu is recorded once for all languages")
                } else {
                    #expect(handle.language == languages[0], "\(handle)")
                }
                #expect(handle.durationMilliseconds >= 250, "\(handle)")
            }
        }
    }

    @Test("the rendered prompts are speech at a telephone level")
    func levels() throws {
        let library = try PromptLibrary.load(
            root: Self.root,
            requests: Self.menuPrompts.flatMap {
                [PromptRequest(id: $0, language: "ru"), PromptRequest(id: $0, language: "en")]
            })
        for handle in library.handles {
            let samples = try #require(library.samples(of: handle))
            // Active speech: the RMS of the 20 ms frames above -50 dBFS.
            var active: [Double] = []
            var start = 0
            while start + 160 <= samples.count {
                let rms = Signal.rms(samples[start..<(start + 160)])
                if rms > 32768 * 0.003 { active.append(rms * rms) }
                start += 160
            }
            #expect(Double(active.count) * 0.02 >= 0.3, "\(handle): less than 300 ms of speech")
            let level = 10 * log10(active.reduce(0, +) / Double(max(active.count, 1)) / (32768 * 32768))
            #expect(level > -30 && level < -10, "\(handle): active level \(level) dBFS")
        }
    }

    @Test("the manifest names every rendered file and nothing else")
    func manifest() throws {
        let text = try String(contentsOfFile: Self.root + "/manifest.tsv", encoding: .utf8)
        var expected: Set<String> = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            #expect(fields.count == 3, "\(line)")
            guard fields.count == 3 else { continue }
            expected.insert(fields[1] == "-" ? "\(fields[0]).opus" : "\(fields[1])/\(fields[0]).opus")
        }
        let enumerator = FileManager.default.enumerator(atPath: Self.root)
        var found: Set<String> = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".opus") { found.insert(path) }
        }
        #expect(found == expected)
    }
}
