/// One of the sixteen DTMF keys (ITU-T Q.23 Table 1).
///
/// The keypad is a 4 x 4 grid: the row gives the low-group tone and the column the high-group tone.
public enum DTMFDigit: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case one, two, three, a
    case four, five, six, b
    case seven, eight, nine, c
    case star, zero, pound, d

    /// The low-group frequencies in Hz (rows), Q.23.
    public static let rowFrequencies: [Double] = [697, 770, 852, 941]
    /// The high-group frequencies in Hz (columns), Q.23.
    public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]

    /// The keypad characters in row-major order.
    @usableFromInline static let characters: [Character] = [
        "1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D",
    ]

    /// The digit at `row` (0...3, low group) and `column` (0...3, high group).
    @inlinable
    public init(row: Int, column: Int) {
        self.init(rawValue: UInt8(row * 4 + column))!
    }

    /// The digit for a keypad character (`0`-`9`, `*`, `#`, `A`-`D`, case-insensitive), or nil.
    public init?(_ character: Character) {
        let upper = Character(character.uppercased())
        guard let index = Self.characters.firstIndex(of: upper) else { return nil }
        self.init(rawValue: UInt8(index))
    }

    /// The row (0...3) of the low-group tone.
    @inlinable public var row: Int { Int(rawValue) >> 2 }
    /// The column (0...3) of the high-group tone.
    @inlinable public var column: Int { Int(rawValue) & 3 }
    /// The low-group frequency in Hz.
    @inlinable public var lowFrequency: Double { Self.rowFrequencies[row] }
    /// The high-group frequency in Hz.
    @inlinable public var highFrequency: Double { Self.columnFrequencies[column] }
    /// The keypad character.
    @inlinable public var character: Character { Self.characters[Int(rawValue)] }

    public var description: String { String(character) }

    public static func < (lhs: DTMFDigit, rhs: DTMFDigit) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a string of keypad characters; nil if any character is not a key.
    public static func parse(_ text: String) -> [DTMFDigit]? {
        var digits: [DTMFDigit] = []
        for character in text {
            guard let digit = DTMFDigit(character) else { return nil }
            digits.append(digit)
        }
        return digits
    }
}
