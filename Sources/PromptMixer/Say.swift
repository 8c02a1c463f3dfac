/// The prompt ids that speak digit strings and numbers, in the file naming of Asterisk prompt libraries
/// (Debian's `asterisk-core-sounds-*` packages and the project's own Prompts/).
///
/// These return ids, not audio: look each id up in the ``PromptLibrary`` in the call's language and
/// play them in order (a missing one is logged as `prompt_missing` and skipped, like any prompt). They
/// allocate the result; call them on the control side, when the router's `say` action arrives.
///
/// **English** (and every language without rules of its own): `digits/1` ... `digits/19`,
/// `digits/20` ... `digits/90`, `digits/hundred`, `digits/thousand`, `digits/million`; 1,234 is
/// "1 thousand 2 hundred 30 4", with no "and".
///
/// **Russian**: the same ids for 1 ... 90, plus the forms that Russian grammar needs, named as Asterisk
/// names them:
///
/// | id | word | used for |
/// |---|---|---|
/// | `digits/100` ... `digits/900` | сто, двести ... девятьсот | hundreds (one word each) |
/// | `digits/1f`, `digits/2f` | одна, две | the feminine forms before "тысяча" (21,000 = двадцать одна тысяча) |
/// | `digits/thousand` | тысяча | after 1, 21, 31 ... (not 11) |
/// | `digits/thousands-i` | тысячи | after 2-4, 22-24 ... (not 12-14) |
/// | `digits/thousands` | тысяч | after 0, 5-20, 25-30 ... and 11-14 |
/// | `digits/million` | миллион | after 1, 21 ... |
/// | `digits/million-a` | миллиона | after 2-4, 22-24 ... |
/// | `digits/millions` | миллионов | otherwise |
///
/// Debian's `asterisk-core-sounds-ru` (ru_RU_f_IvrvoiceRU) ships only `digits/thousand`,
/// `digits/million`, `digits/hundred`, `1n` and `2n` of these, so with it numbers of 100 and more are
/// incomplete; the project's Prompts/ru has them all.
///
/// **Tatar** (`tt`) uses the Russian rules, because Tatar prompts fall back to the Russian recordings.
public enum Say {
    /// The largest number ``number(_:language:)`` speaks.
    public static let maximumNumber = 999_999_999

    /// The ids that speak each character of `text`: `digits/0` ... `digits/9`, `digits/star` for `*`,
    /// `digits/pound` for `#`, and `letters/a` ... `letters/d` for the DTMF letters A-D (either case).
    /// Other characters (spaces, dashes) are skipped.
    public static func digits(_ text: String) -> [String] {
        text.compactMap { character -> String? in
            switch character {
            case "0"..."9": return "digits/\(character)"
            case "*": return "digits/star"
            case "#": return "digits/pound"
            case "A"..."D", "a"..."d": return "letters/\(character.lowercased())"
            default: return nil
            }
        }
    }

    /// The ids that speak `number` (0 ... 999,999,999) in `language` (a tag such as `ru`, `ru-RU`, `en`;
    /// the base language decides the rules), or nil when `number` is out of range.
    public static func number(_ number: Int, language: String) -> [String]? {
        guard (0...maximumNumber).contains(number) else { return nil }
        if number == 0 { return ["digits/0"] }
        switch PromptLibrary.baseLanguage(of: language).lowercased() {
        case "ru", "tt": return russian(number)
        default: return english(number)
        }
    }

    // MARK: - English

    private static func english(_ number: Int) -> [String] {
        var ids: [String] = []
        let millions = number / 1_000_000
        let thousands = number / 1000 % 1000
        let rest = number % 1000
        if millions > 0 { ids += englishBelowThousand(millions) + ["digits/million"] }
        if thousands > 0 { ids += englishBelowThousand(thousands) + ["digits/thousand"] }
        if rest > 0 { ids += englishBelowThousand(rest) }
        return ids
    }

    /// 1 ... 999.
    private static func englishBelowThousand(_ number: Int) -> [String] {
        var ids: [String] = []
        if number >= 100 { ids += ["digits/\(number / 100)", "digits/hundred"] }
        ids += belowHundred(number % 100, feminine: false)
        return ids
    }

    // MARK: - Russian

    private static func russian(_ number: Int) -> [String] {
        var ids: [String] = []
        let millions = number / 1_000_000
        let thousands = number / 1000 % 1000
        let rest = number % 1000
        if millions > 0 {
            ids += russianBelowThousand(millions, feminine: false)
            ids.append(russianPlural(millions, one: "digits/million", few: "digits/million-a", many: "digits/millions"))
        }
        if thousands > 0 {
            ids += russianBelowThousand(thousands, feminine: true)
            ids.append(
                russianPlural(thousands, one: "digits/thousand", few: "digits/thousands-i", many: "digits/thousands"))
        }
        if rest > 0 { ids += russianBelowThousand(rest, feminine: false) }
        return ids
    }

    /// 1 ... 999, with одна/две for 1 and 2 when `feminine`.
    private static func russianBelowThousand(_ number: Int, feminine: Bool) -> [String] {
        var ids: [String] = []
        if number >= 100 { ids.append("digits/\(number / 100 * 100)") }
        ids += belowHundred(number % 100, feminine: feminine)
        return ids
    }

    /// The form of a noun after `number`: one (1, 21, 101 ...), few (2-4, 22-24 ...), many (the rest,
    /// and 11-14).
    static func russianPlural(_ number: Int, one: String, few: String, many: String) -> String {
        let lastTwo = number % 100
        if (11...14).contains(lastTwo) { return many }
        switch number % 10 {
        case 1: return one
        case 2, 3, 4: return few
        default: return many
        }
    }

    // MARK: - Shared

    /// 0 ... 99 (nothing for 0): `digits/n` below 20, else tens and units.
    private static func belowHundred(_ number: Int, feminine: Bool) -> [String] {
        guard number > 0 else { return [] }
        func unit(_ value: Int) -> String {
            feminine && (value == 1 || value == 2) ? "digits/\(value)f" : "digits/\(value)"
        }
        if number < 20 { return [unit(number)] }
        let units = number % 10
        return units == 0 ? ["digits/\(number)"] : ["digits/\(number - units)", unit(units)]
    }
}
