import CivicCore

/// A QR Code Model 2 symbol (ISO/IEC 18004) holding text in byte mode as UTF-8, without an ECI
/// header (readers take UTF-8 byte data as such).
///
/// The smallest version (1...40) that holds the text at the chosen error correction level is used, and
/// of the eight data masks the one with the lowest penalty score (the standard's four rules, evaluated
/// on the finished symbol; the lowest mask number wins a tie).
public struct QRCode: Sendable, Hashable {
    /// Error correction level: the share of codewords that may be lost and still be read.
    public enum Correction: Sendable, Hashable, CaseIterable {
        /// About 7 %.
        case low
        /// About 15 %.
        case medium
        /// About 25 %.
        case quartile
        /// About 30 %.
        case high

        /// "L", "M", "Q", "H".
        public var letter: String {
            switch self {
            case .low: "L"
            case .medium: "M"
            case .quartile: "Q"
            case .high: "H"
            }
        }

        /// The two bits the format information carries for the level.
        var formatBits: Int {
            switch self {
            case .low: 1
            case .medium: 0
            case .quartile: 3
            case .high: 2
            }
        }

        var tableIndex: Int {
            switch self {
            case .low: 0
            case .medium: 1
            case .quartile: 2
            case .high: 3
            }
        }
    }

    public static let versions: ClosedRange<Int> = 1...40
    public static let masks: ClosedRange<Int> = 0...7

    /// 1...40; the symbol is `17 + 4 * version` modules wide.
    public let version: Int
    public let correction: Correction
    /// 0...7.
    public let mask: Int
    /// Modules per side, quiet zone excluded.
    public let size: Int
    /// Row by row, `true` is dark.
    private let modules: [Bool]

    /// Whether the module in column `x`, row `y` (0-based from the top left) is dark. Outside the
    /// symbol (the quiet zone) every module is light.
    public subscript(x x: Int, y y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return modules[y * size + x]
    }

    /// Encodes `text`. `version` forces a version (an error if the text does not fit it) and `mask`
    /// forces a mask; both are chosen automatically when `nil`.
    /// - Throws: `CivicError.invalidInput` when the text is longer than version 40 holds at the level
    ///   (the message says how many bytes are allowed), or when a forced version or mask is out of range
    ///   or too small.
    public init(_ text: String, correction: Correction = .medium, version: Int? = nil, mask: Int? = nil) throws {
        let bytes = Array(text.utf8)
        if let mask, !QRCode.masks.contains(mask) {
            throw CivicError(.invalidInput, "QR mask \(mask) does not exist; masks are 0 to 7.", at: "QR code")
        }
        let chosenVersion: Int
        if let version {
            guard QRCode.versions.contains(version) else {
                throw CivicError(.invalidInput, "QR version \(version) does not exist; versions are 1 to 40.", at: "QR code")
            }
            let capacity = QRCode.capacity(version: version, correction: correction)
            guard bytes.count <= capacity else {
                throw CivicError(
                    .invalidInput,
                    "The text is \(bytes.count) bytes in UTF-8; a version \(version) QR code at level \(correction.letter) holds at most \(capacity).",
                    at: "QR code")
            }
            chosenVersion = version
        } else {
            guard let fitting = QRCode.versions.first(where: { bytes.count <= QRCode.capacity(version: $0, correction: correction) }) else {
                let capacity = QRCode.capacity(version: QRCode.versions.upperBound, correction: correction)
                throw CivicError(
                    .invalidInput,
                    "The text is \(bytes.count) bytes in UTF-8; a QR code at level \(correction.letter) holds at most \(capacity) bytes.",
                    at: "QR code")
            }
            chosenVersion = fitting
        }

        var symbol = Symbol(version: chosenVersion)
        symbol.drawFunctionPatterns()
        let codewords = QRCode.codewords(for: bytes, version: chosenVersion, correction: correction)
        symbol.drawCodewords(codewords)

        let chosenMask: Int
        if let mask {
            chosenMask = mask
        } else {
            let penalties = QRCode.maskPenalties(of: symbol, correction: correction, formatAreasLight: false)
            chosenMask = penalties.indices.min { penalties[$0] < penalties[$1] }!
        }
        symbol.applyMask(chosenMask)
        symbol.drawFormatBits(correction: correction, mask: chosenMask)

        self.version = chosenVersion
        self.correction = correction
        self.mask = chosenMask
        self.size = symbol.size
        self.modules = symbol.modules
    }

    /// The longest byte string (UTF-8 bytes) a symbol of `version` holds at `correction` in byte mode.
    public static func capacity(version: Int, correction: Correction) -> Int {
        precondition(versions.contains(version), "QR version out of range")
        let dataBits = dataCodewordCount(version: version, correction: correction) * 8
        let countBits = version <= 9 ? 8 : 16
        return (dataBits - 4 - countBits) / 8
    }

    /// The standard penalty score of this symbol (lower reads more reliably).
    public var penalty: Int { QRCode.penalty(modules, size: size) }
}

extension QRCode {
    /// The penalty of each of the eight masks applied to `symbol` (codewords drawn, not yet masked),
    /// evaluated on the finished symbol; `formatAreasLight` evaluates them instead with the format and
    /// version areas and the dark module left light, the way some encoders (Python's `qrcode`) do.
    fileprivate static func maskPenalties(of symbol: Symbol, correction: Correction, formatAreasLight: Bool) -> [Int] {
        masks.map { mask in
            var trial = symbol
            trial.applyMask(mask)
            trial.drawFormatBits(correction: correction, mask: mask, light: formatAreasLight)
            if formatAreasLight { trial.drawVersion(light: true) }
            return penalty(trial.modules, size: trial.size)
        }
    }

    /// The eight mask penalties for `text` at a given version (see `maskPenalties(of:...)`).
    static func maskPenalties(_ text: String, correction: Correction, version: Int, formatAreasLight: Bool) -> [Int] {
        var symbol = Symbol(version: version)
        symbol.drawFunctionPatterns()
        symbol.drawCodewords(codewords(for: Array(text.utf8), version: version, correction: correction))
        return maskPenalties(of: symbol, correction: correction, formatAreasLight: formatAreasLight)
    }
}

// MARK: - Rendering

extension QRCode {
    /// A crisp SVG image of the symbol: one path, dark runs on a light background with a `quietZone`
    /// modules wide border (the standard asks for 4), `moduleSize` pixels per module. `title` names the
    /// image for assistive technology (`<title>` and `aria-label`).
    public func svg(moduleSize: Int = 4, quietZone: Int = 4, title: String) -> String {
        precondition(moduleSize > 0 && quietZone >= 0, "QR image geometry must be positive")
        let side = size + 2 * quietZone
        let pixels = side * moduleSize
        let label = SVGMarkup.escaped(title)
        var path = ""
        path.reserveCapacity(size * size * 4)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x: x, y: y] else { x += 1; continue }
                var run = 1
                while x + run < size, self[x: x + run, y: y] { run += 1 }
                path += "M\(x + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(pixels)" height="\(pixels)" \
            role="img" aria-label="\(label)" shape-rendering="crispEdges" class="qr-code">\
            <title>\(label)</title>\
            <rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/>\
            </svg>
            """
    }
}

// MARK: - Data codewords and error correction

extension QRCode {
    /// Error correction codewords per block, by level (L, M, Q, H) and version (index 0 unused).
    static let eccCodewordsPerBlock: [[Int]] = [
        [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    /// Error correction blocks, by level (L, M, Q, H) and version (index 0 unused).
    static let blockCounts: [[Int]] = [
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// Modules left for codewords (data, error correction and remainder bits) once the function
    /// patterns are drawn.
    static func rawDataModuleCount(version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignmentCount = version / 7 + 2
            result -= (25 * alignmentCount - 10) * alignmentCount - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCodewordCount(version: Int, correction: Correction) -> Int {
        let level = correction.tableIndex
        return rawDataModuleCount(version: version) / 8
            - eccCodewordsPerBlock[level][version] * blockCounts[level][version]
    }

    /// The blocks of a version and level as (data codewords, error correction codewords), short
    /// blocks first, the way the standard lists them.
    static func blockLayout(version: Int, correction: Correction) -> [(data: Int, ecc: Int)] {
        let level = correction.tableIndex
        let blockCount = blockCounts[level][version]
        let eccLength = eccCodewordsPerBlock[level][version]
        let rawCodewords = rawDataModuleCount(version: version) / 8
        let shortBlockCount = blockCount - rawCodewords % blockCount
        let shortBlockLength = rawCodewords / blockCount
        return (0..<blockCount).map { index in
            (data: shortBlockLength - eccLength + (index < shortBlockCount ? 0 : 1), ecc: eccLength)
        }
    }

    /// Mode indicator, count, data, terminator and padding, split into blocks with their error
    /// correction codewords and interleaved: the final codeword sequence.
    static func codewords(for bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let dataCapacity = dataCodewordCount(version: version, correction: correction)
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: version <= 9 ? 8 : 16)
        for byte in bytes { bits.append(Int(byte), count: 8) }
        precondition(bits.count <= dataCapacity * 8, "QR data exceeds the version's capacity")
        bits.append(0, count: min(4, dataCapacity * 8 - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var data = bits.bytes
        var pad: UInt8 = 0xEC
        while data.count < dataCapacity {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }

        let layout = blockLayout(version: version, correction: correction)
        let divisor = ReedSolomon.generator(degree: layout[0].ecc)
        var blocks: [(data: ArraySlice<UInt8>, ecc: [UInt8])] = []
        var offset = 0
        for block in layout {
            let slice = data[offset..<offset + block.data]
            blocks.append((slice, ReedSolomon.remainder(of: slice, divisor: divisor)))
            offset += block.data
        }
        precondition(offset == data.count, "QR blocks must consume every data codeword")

        var result: [UInt8] = []
        result.reserveCapacity(rawDataModuleCount(version: version) / 8)
        let longestData = layout.map(\.data).max() ?? 0
        for index in 0..<longestData {
            for block in blocks where index < block.data.count {
                result.append(block.data[block.data.startIndex + index])
            }
        }
        for index in 0..<layout[0].ecc {
            for block in blocks { result.append(block.ecc[index]) }
        }
        precondition(result.count == rawDataModuleCount(version: version) / 8, "QR codeword count mismatch")
        return result
    }
}

struct BitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    /// Appends the low `count` bits of `value`, most significant first.
    mutating func append(_ value: Int, count bitCount: Int) {
        precondition(bitCount >= 0 && (bitCount == 0 || value >> bitCount == 0), "value does not fit its bit count")
        for shift in stride(from: bitCount - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(0x80 >> (count % 8)) }
            count += 1
        }
    }
}

/// Reed-Solomon error correction over GF(256) with the QR field polynomial x^8+x^4+x^3+x^2+1.
enum ReedSolomon {
    static let exponents: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        var value = 1
        for power in 0..<255 {
            table[power] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        table[255] = table[0]
        return table
    }()

    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for power in 0..<255 { table[Int(exponents[power])] = power }
        return table
    }()

    static func multiply(_ lhs: UInt8, _ rhs: UInt8) -> UInt8 {
        if lhs == 0 || rhs == 0 { return 0 }
        return exponents[(logarithms[Int(lhs)] + logarithms[Int(rhs)]) % 255]
    }

    /// The coefficients of (x - a^0)(x - a^1)...(x - a^(degree-1)), highest power first, the leading 1
    /// left out.
    static func generator(degree: Int) -> [UInt8] {
        precondition((1...255).contains(degree), "Reed-Solomon degree out of range")
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    /// The remainder of data(x) * x^degree divided by the generator: the error correction codewords.
    static func remainder(of data: some Collection<UInt8>, divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for index in divisor.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}

// MARK: - The module grid

/// The grid under construction: modules and which of them belong to function patterns.
fileprivate struct Symbol {
    let version: Int
    let size: Int
    var modules: [Bool]
    var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        self.size = version * 4 + 17
        self.modules = Array(repeating: false, count: size * size)
        self.isFunction = Array(repeating: false, count: size * size)
    }

    mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        drawFinder(centreX: 3, centreY: 3)
        drawFinder(centreX: size - 4, centreY: 3)
        drawFinder(centreX: 3, centreY: size - 4)

        let positions = QRCode.alignmentPositions(version: version)
        let last = positions.count - 1
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                let overlapsFinder = (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0)
                if !overlapsFinder { drawAlignment(centreX: x, centreY: y) }
            }
        }
        // Reserve the format areas (drawn for real once the mask is known) and draw the version.
        drawFormatBits(correction: .medium, mask: 0)
        drawVersion()
    }

    /// A finder pattern with its light separator, clipped to the symbol.
    mutating func drawFinder(centreX: Int, centreY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centreX + dx, y = centreY + dy
                guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                let distance = max(abs(dx), abs(dy))
                set(x, y, distance != 2 && distance != 4)
            }
        }
    }

    mutating func drawAlignment(centreX: Int, centreY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                set(centreX + dx, centreY + dy, max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// Both copies of the 15-bit format information, and the dark module (all light when `light`).
    mutating func drawFormatBits(correction: QRCode.Correction, mask: Int, light: Bool = false) {
        let data = correction.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        precondition(bits >> 15 == 0, "format information is 15 bits")
        func bit(_ index: Int) -> Bool { !light && (bits >> index) & 1 == 1 }

        for index in 0...5 { set(8, index, bit(index)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for index in 9..<15 { set(14 - index, 8, bit(index)) }

        for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
        for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
        set(8, size - 8, !light)
    }

    /// Both copies of the 18-bit version information (version 7 and up; all light when `light`).
    mutating func drawVersion(light: Bool = false) {
        guard version >= 7 else { return }
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version << 12 | remainder
        precondition(bits >> 18 == 0, "version information is 18 bits")
        for index in 0..<18 {
            let dark = !light && (bits >> index) & 1 == 1
            let a = size - 11 + index % 3, b = index / 3
            set(a, b, dark)
            set(b, a, dark)
        }
    }

    /// Places the codewords in the two-column zigzag from the bottom right, skipping function
    /// modules; modules left over (remainder bits) stay light before masking.
    mutating func drawCodewords(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !isFunction[y * size + x] && index < bitCount {
                    modules[y * size + x] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
        precondition(index == bitCount, "every codeword bit must be placed")
    }

    /// Flips the non-function modules the mask selects (applying it twice undoes it).
    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] {
                let flip: Bool
                switch mask {
                case 0: flip = (x + y) % 2 == 0
                case 1: flip = y % 2 == 0
                case 2: flip = x % 3 == 0
                case 3: flip = (x + y) % 3 == 0
                case 4: flip = (x / 3 + y / 2) % 2 == 0
                case 5: flip = x * y % 2 + x * y % 3 == 0
                case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                case 7: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                default: preconditionFailure("QR mask out of range")
                }
                if flip { modules[y * size + x].toggle() }
            }
        }
    }
}

extension QRCode {
    /// Centre coordinates of the alignment patterns along each axis (empty for version 1).
    static func alignmentPositions(version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let size = version * 4 + 17
        let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        var result = [6]
        var position = size - 7
        var tail: [Int] = []
        for _ in 0..<(count - 1) {
            tail.append(position)
            position -= step
        }
        result += tail.reversed()
        return result
    }

    /// The standard's penalty: N1 for each run of five or more same-coloured modules in a row or
    /// column (3 + run - 5), N2 for each 2x2 block of one colour (3), N3 for each 1:1:3:1:1 finder-like
    /// pattern with four light modules before or after it (40, counted once per side), N4 for the dark
    /// share's distance from 50 % (10 per full 5 %).
    static func penalty(_ modules: [Bool], size: Int) -> Int {
        precondition(modules.count == size * size, "penalty needs a square grid")
        var total = 0
        func at(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

        // N1 and N3 along rows (transposed = false) and columns (true).
        for transposed in [false, true] {
            for line in 0..<size {
                func module(_ i: Int) -> Bool { transposed ? at(line, i) : at(i, line) }
                var runColour = module(0)
                var runLength = 0
                for i in 0..<size {
                    if module(i) == runColour {
                        runLength += 1
                    } else {
                        if runLength >= 5 { total += runLength - 2 }
                        runColour = module(i)
                        runLength = 1
                    }
                }
                if runLength >= 5 { total += runLength - 2 }

                // The last 11 modules as bits, newest lowest.
                var window = 0
                for i in 0..<size {
                    window = (window << 1 | (module(i) ? 1 : 0)) & 0x7FF
                    if i >= 10, window == QRCode.finderThenLight || window == QRCode.lightThenFinder { total += 40 }
                }
            }
        }

        // N2.
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = at(x, y)
                if at(x + 1, y) == colour, at(x, y + 1) == colour, at(x + 1, y + 1) == colour { total += 3 }
            }
        }

        // N4.
        let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        let cells = size * size
        total += abs(dark * 20 - cells * 10) / cells * 10
        return total
    }

    /// 10111010000 and 00001011101: the finder-like pattern with light modules after or before it.
    static let finderThenLight = 0b101_1101_0000
    static let lightThenFinder = 0b000_0101_1101
}
