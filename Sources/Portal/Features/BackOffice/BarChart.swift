import Foundation

/// A bar chart drawn on the server as SVG: no script, a title and description for screen readers, each bar with
/// its own title (a tooltip and an accessible name), labelled axes. Pages put a table with the same figures beside it.
package struct BarChart: Sendable {
    package struct Bar: Sendable {
        package let label: String
        package let value: Double
        /// The value as people read it: `£1,250.00`, `3 orders`.
        package let text: String

        package init(label: String, value: Double, text: String) {
            self.label = label
            self.value = value
            self.text = text
        }
    }

    package let id: String
    package let title: String
    package let summary: String
    package let bars: [Bar]
    /// Label every n-th bar on the x axis (30 days would not fit otherwise).
    package var labelEvery = 1

    package init(id: String, title: String, summary: String, bars: [Bar], labelEvery: Int = 1) {
        self.id = id
        self.title = title
        self.summary = summary
        self.bars = bars
        self.labelEvery = max(1, labelEvery)
    }

    static let width = 640.0, height = 240.0, left = 64.0, bottom = 36.0, top = 16.0, right = 8.0

    /// The `<svg>` element, every text escaped.
    package var svg: String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        let slot = plotWidth / Double(max(bars.count, 1))
        let barWidth = max(slot * 0.7, 1)
        var parts: [String] = [
            #"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \#(Self.format(Self.width)) \#(Self.format(Self.height))" role="img" aria-labelledby="\#(id)-title \#(id)-desc">"#,
            #"<title id="\#(id)-title">\#(Escape.html(title))</title>"#,
            #"<desc id="\#(id)-desc">\#(Escape.html(summary))</desc>"#,
        ]
        // Axes, with the top value and zero labelled.
        let baseline = Self.top + plotHeight
        parts.append(
            #"<line class="chart__axis" x1="\#(Self.format(Self.left))" y1="\#(Self.format(baseline))" x2="\#(Self.format(Self.width - Self.right))" y2="\#(Self.format(baseline))"/>"#
        )
        parts.append(
            #"<line class="chart__axis" x1="\#(Self.format(Self.left))" y1="\#(Self.format(Self.top))" x2="\#(Self.format(Self.left))" y2="\#(Self.format(baseline))"/>"#
        )
        let topText = bars.first(where: { $0.value == maximum })?.text ?? Self.format(maximum)
        parts.append(
            #"<text class="chart__label" x="\#(Self.format(Self.left - 6))" y="\#(Self.format(Self.top + 4))" text-anchor="end">\#(Escape.html(topText))</text>"#
        )
        parts.append(
            #"<text class="chart__label" x="\#(Self.format(Self.left - 6))" y="\#(Self.format(baseline))" text-anchor="end">0</text>"#
        )
        for (index, bar) in bars.enumerated() {
            let height = plotHeight * max(bar.value, 0) / maximum
            let x = Self.left + Double(index) * slot + (slot - barWidth) / 2
            parts.append(
                #"<rect class="chart__bar" x="\#(Self.format(x))" y="\#(Self.format(baseline - height))" width="\#(Self.format(barWidth))" height="\#(Self.format(height))"><title>\#(Escape.html("\(bar.label): \(bar.text)"))</title></rect>"#
            )
            if index % labelEvery == 0 {
                parts.append(
                    #"<text class="chart__label" x="\#(Self.format(x + barWidth / 2))" y="\#(Self.format(baseline + 16))" text-anchor="middle">\#(Escape.html(bar.label))</text>"#
                )
            }
        }
        parts.append("</svg>")
        return parts.joined()
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

}
