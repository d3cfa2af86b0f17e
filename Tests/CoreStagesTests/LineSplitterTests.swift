@testable import CoreStages
import Testing

@Suite("line splitter")
struct LineSplitterTests {
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The lines `chunks` split into, as strings.
    private func lines(_ chunks: [[UInt8]], splitter: inout LineSplitter) -> [String] {
        var lines: [String] = []
        for chunk in chunks {
            splitter.split(chunk) { line, _ in lines.append(String(decoding: line, as: UTF8.self)) }
        }
        splitter.finish { line, _ in lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    @Test("a byte order mark is skipped at the start of the stream only, even when it comes split over reads")
    func byteOrderMark() {
        let text = Self.byteOrderMark + Array("{\"n\":0}\n".utf8) + Self.byteOrderMark + Array("{\"n\":1}\n".utf8)
        for cut in 0...text.count {
            var splitter = LineSplitter()
            #expect(lines([Array(text[..<cut]), Array(text[cut...])], splitter: &splitter)
                == ["{\"n\":0}", "\u{FEFF}{\"n\":1}"], "cut at \(cut)")
        }
        var unfinished = LineSplitter()
        #expect(lines([Self.byteOrderMark + Array("{}".utf8)], splitter: &unfinished) == ["{}"])

        // After a rotation the new file starts at 0 again; a resumed read does not.
        var splitter = LineSplitter()
        splitter.reset(at: 0)
        #expect(lines([Self.byteOrderMark + Array("{}\n".utf8)], splitter: &splitter) == ["{}"])
        splitter.reset(at: 100)
        #expect(lines([Self.byteOrderMark + Array("{}\n".utf8)], splitter: &splitter) == ["\u{FEFF}{}"])
    }
}
