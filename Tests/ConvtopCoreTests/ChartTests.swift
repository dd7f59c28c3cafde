import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import ConvtopCore

/// Charts: braille dots where the points are, axis labels, legend values, and a well-formed SVG.
struct ChartTests {
    let chart = Chart(title: "t", xLabel: "batch", yLabel: "speedup",
                      series: [Chart.Series(name: "branch", points: [(1, 1.5), (4, 1.25), (16, 1.0)]),
                               Chart.Series(name: "nimble", points: [(1, 1.4), (4, 1.2), (16, 1.1)])],
                      xTicks: [(1, "1"), (4, "4"), (16, "16")], logX: true)

    @Test func terminalChartPutsDotsWhereThePointsAre() {
        let lines = chart.terminal(width: 47, height: 8, colour: false)
        #expect(lines.count == 1 + 8 + 3 + 2)
        let plot = lines[1...8].map { Array($0.dropFirst(8)) }   // after the 7-column label and the axis
        // The first point (1.5×) is the top of the range: a dot in the first column of the top row; 16 is the last column.
        #expect(plot[0][0] != " ")
        #expect(plot.contains { $0.last != " " })
        #expect(lines[1].hasPrefix("  1.")) // the top label
        #expect(lines[10].contains("1") && lines[10].contains("4") && lines[10].contains("16"))
        #expect(lines.contains("  ━━ branch          1.50× 1.25× 1.00×"))
        #expect(!lines.joined().contains("\u{1B}["))  // no colour codes unless asked
        #expect(chart.terminal(width: 47, height: 8, colour: true).joined().contains("\u{1B}[38;5;"))
    }

    @Test func svgIsWellFormedWithOneLinePerSeries() throws {
        let svg = chart.svg()
        final class Counter: NSObject, XMLParserDelegate {
            var polylines = 0, circles = 0
            func parser(_ p: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if e == "polyline" { polylines += 1 }
                if e == "circle" { circles += 1 }
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let c = Counter()
        parser.delegate = c
        #expect(parser.parse())
        #expect(c.polylines == 2 && c.circles == 6)
        var escaped = chart
        escaped.title = "a < b & c"
        #expect(XMLParser(data: Data(escaped.svg().utf8)).parse())
    }
}
