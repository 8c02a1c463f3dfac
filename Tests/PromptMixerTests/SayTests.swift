import PromptMixer
import Testing

struct SayTests {
    @Test("digit strings: one prompt per key, star and pound by name, other characters skipped")
    func digits() {
        #expect(Say.digits("0123456789") == (0...9).map { "digits/\($0)" })
        #expect(Say.digits("*7#") == ["digits/star", "digits/7", "digits/pound"])
        #expect(Say.digits("12-34 A") == ["digits/1", "digits/2", "digits/3", "digits/4", "letters/a"])
        #expect(Say.digits("") == [])
    }

    @Test(
        "English numbers",
        arguments: [
            (0, "0"), (7, "7"), (13, "13"), (20, "20"), (42, "40 2"), (100, "1 hundred"), (115, "1 hundred 15"),
            (1000, "1 thousand"), (1234, "1 thousand 2 hundred 30 4"), (90_017, "90 thousand 17"),
            (1_000_001, "1 million 1"), (999_999_999, "9 hundred 90 9 million 9 hundred 90 9 thousand 9 hundred 90 9"),
        ])
    func english(number: Int, words: String) {
        let expected = words.split(separator: " ").map { "digits/\($0)" }
        #expect(Say.number(number, language: "en") == expected)
        #expect(Say.number(number, language: "en-US") == expected)
        #expect(Say.number(number, language: "de") == expected)  // no rules of its own
    }

    @Test(
        "Russian numbers: one-word hundreds, feminine one and two before thousand, three plural forms",
        arguments: [
            (0, "0"), (1, "1"), (2, "2"), (12, "12"), (21, "20 1"), (200, "200"), (345, "300 40 5"),
            (1000, "1f thousand"), (2000, "2f thousands-i"), (3000, "3 thousands-i"), (5000, "5 thousands"),
            (11_000, "11 thousands"), (12_000, "12 thousands"), (14_000, "14 thousands"), (21_000, "20 1f thousand"),
            (22_000, "20 2f thousands-i"), (111_000, "100 11 thousands"), (101_000, "100 1f thousand"),
            (1_000_000, "1 million"), (2_000_000, "2 million-a"), (5_000_000, "5 millions"),
            (21_000_000, "20 1 million"), (12_000_000, "12 millions"),
            (2_002_002, "2 million-a 2f thousands-i 2"),
            (999_999_999, "900 90 9 millions 900 90 9 thousands 900 90 9"),
        ])
    func russian(number: Int, words: String) {
        let expected = words.split(separator: " ").map { "digits/\($0)" }
        #expect(Say.number(number, language: "ru") == expected)
        #expect(Say.number(number, language: "ru_RU") == expected)
        #expect(Say.number(number, language: "tt") == expected)
    }

    @Test("out of range numbers say nothing")
    func outOfRange() {
        #expect(Say.number(-1, language: "en") == nil)
        #expect(Say.number(1_000_000_000, language: "ru") == nil)
    }

    @Test("every number from 0 to 2,100,000 in steps says the same total in both rules")
    func roundTrip() {
        // Parse the ids back to a number: a check that no rule drops or repeats a part.
        func value(_ ids: [String]) -> Int {
            var total = 0
            var group = 0
            for id in ids {
                let word = id.dropFirst("digits/".count)
                switch word {
                case "hundred": group *= 100
                case "thousand", "thousands", "thousands-i":
                    total += group * 1000
                    group = 0
                case "million", "million-a", "millions":
                    total += group * 1_000_000
                    group = 0
                default: group += Int(word.filter(\.isNumber))!
                }
            }
            return total + group
        }
        for number in stride(from: 0, through: 2_100_000, by: 997) {
            #expect(value(Say.number(number, language: "en")!) == number)
            #expect(value(Say.number(number, language: "ru")!) == number)
        }
    }
}
