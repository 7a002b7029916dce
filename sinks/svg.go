package sinks

import (
	"fmt"
	"math"
	"strconv"
)

// The page's charts are inline SVG drawn by this small writer rather than a
// plotting library: the page needs bars, pies and a waterfall, each a few
// rectangles, arcs and labels, and must stay self-contained. A chart is data
// (shapes with numbers and text); page.html.tmpl renders it with
// html/template, so every label is escaped like any other value of the page.

// Chart is one SVG chart of the page.
type Chart struct {
	ID     string // element id, for tests and links
	Title  string // accessible name (aria-label)
	W, H   float64
	Total  string // data-total: the figure the chart adds up to, when it has one
	Rects  []Rect
	Paths  []Path
	Texts  []Text
	Lines  []Line
	Legend []LegendItem // drawn beside the chart in HTML
}

// Rect is one bar.
type Rect struct {
	X, Y, W, H float64
	Fill       string
	Tip        string // tooltip (SVG title)
	Value      string // data-value: the number the bar stands for
	Class      string
}

// Path is one pie slice.
type Path struct {
	D, Fill, Tip, Value string
}

// Text is one label.
type Text struct {
	X, Y   float64
	Anchor string // start, middle, end
	S      string
	Class  string
}

// Line is one axis or guide line.
type Line struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

// LegendItem names one colour of a chart.
type LegendItem struct {
	Label, Fill, Value string
}

// Palette of the page (colour-blind safe, Okabe-Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"}

const (
	colGood    = "#009E73"
	colBad     = "#D55E00"
	colWarn    = "#E69F00"
	colNeutral = "#0072B2"
)

// Slice is one part of a pie.
type Slice struct {
	Label string
	N     int
	Fill  string
}

// pieChart draws slices as a pie of radius 70; empty slices are left out of
// the drawing but kept in the legend.
func pieChart(id, title string, slices []Slice) Chart {
	c := Chart{ID: id, Title: title, W: 160, H: 160}
	total := 0
	for _, s := range slices {
		total += s.N
	}
	c.Total = strconv.Itoa(total)
	const cx, cy, r = 80.0, 80.0, 70.0
	angle := -math.Pi / 2
	for _, s := range slices {
		c.Legend = append(c.Legend, LegendItem{Label: s.Label, Fill: s.Fill, Value: fmt.Sprintf("%s (%s)", thousands(int64(s.N)), percent(s.N, total))})
		if s.N == 0 || total == 0 {
			continue
		}
		tip := fmt.Sprintf("%s: %s (%s)", s.Label, thousands(int64(s.N)), percent(s.N, total))
		if s.N == total { // a full circle is two half arcs
			d := fmt.Sprintf("M %s %s A %s %s 0 1 1 %s %s A %s %s 0 1 1 %s %s Z",
				f1(cx), f1(cy-r), f1(r), f1(r), f1(cx), f1(cy+r), f1(r), f1(r), f1(cx), f1(cy-r))
			c.Paths = append(c.Paths, Path{D: d, Fill: s.Fill, Tip: tip, Value: strconv.Itoa(s.N)})
			continue
		}
		sweep := 2 * math.Pi * float64(s.N) / float64(total)
		x1, y1 := cx+r*math.Cos(angle), cy+r*math.Sin(angle)
		angle += sweep
		x2, y2 := cx+r*math.Cos(angle), cy+r*math.Sin(angle)
		large := 0
		if sweep > math.Pi {
			large = 1
		}
		d := fmt.Sprintf("M %s %s L %s %s A %s %s 0 %d 1 %s %s Z", f1(cx), f1(cy), f1(x1), f1(y1), f1(r), f1(r), large, f1(x2), f1(y2))
		c.Paths = append(c.Paths, Path{D: d, Fill: s.Fill, Tip: tip, Value: strconv.Itoa(s.N)})
	}
	return c
}

// Bar is one bar of a horizontal bar chart.
type Bar struct {
	Label string
	V     float64
	Text  string // value as printed; "" prints V
	Fill  string // "" uses the neutral colour
	Tip   string
}

// hbarChart draws horizontal bars from a zero line, negative values to the
// left, one row of 20 pixels per bar, labels on the left.
func hbarChart(id, title string, bars []Bar) Chart {
	const row, labelW, plotW, pad = 20.0, 200.0, 260.0, 45.0
	c := Chart{ID: id, Title: title, W: labelW + plotW + 2*pad, H: row*float64(len(bars)) + 10}
	lo, hi := 0.0, 0.0
	for _, b := range bars {
		lo, hi = math.Min(lo, b.V), math.Max(hi, b.V)
	}
	if hi-lo == 0 {
		hi = 1
	}
	x := func(v float64) float64 { return labelW + pad + plotW*(v-lo)/(hi-lo) }
	for i, b := range bars {
		y := 5 + row*float64(i)
		x0, x1 := x(0), x(b.V)
		if x1 < x0 {
			x0, x1 = x1, x0
		}
		w := x1 - x0
		if w < 1 && b.V != 0 {
			w = 1
		}
		fill := b.Fill
		if fill == "" {
			fill = colNeutral
		}
		txt := b.Text
		if txt == "" {
			txt = num(b.V)
		}
		tip := b.Tip
		if tip == "" {
			tip = b.Label + ": " + txt
		}
		c.Texts = append(c.Texts, Text{X: labelW - 4, Y: y + 14, Anchor: "end", S: b.Label})
		c.Rects = append(c.Rects, Rect{X: x0, Y: y + 2, W: w, H: row - 4, Fill: fill, Tip: tip, Value: strconv.FormatFloat(b.V, 'g', -1, 64)})
		if b.V < 0 {
			c.Texts = append(c.Texts, Text{X: x0 - 3, Y: y + 14, Anchor: "end", S: txt, Class: "v"})
		} else {
			c.Texts = append(c.Texts, Text{X: x1 + 3, Y: y + 14, Anchor: "start", S: txt, Class: "v"})
		}
	}
	c.Lines = append(c.Lines, Line{X1: x(0), Y1: 0, X2: x(0), Y2: c.H, Class: "axis"})
	return c
}

// Step is one bar of a waterfall: a weight added to the running sum.
type Step struct {
	Label string // e.g. "surname: exact"
	W     float64
}

// waterfallChart draws the steps as a horizontal waterfall: each bar starts
// where the previous one ended; the last bar, from zero, is the total.
func waterfallChart(id, title string, steps []Step, total float64) Chart {
	const row, labelW, plotW, pad = 20.0, 230.0, 300.0, 50.0
	n := len(steps) + 1
	c := Chart{ID: id, Title: title, W: labelW + plotW + 2*pad, H: row*float64(n) + 10, Total: strconv.FormatFloat(total, 'g', -1, 64)}
	lo, hi, sum := 0.0, 0.0, 0.0
	for _, s := range steps {
		sum += s.W
		lo, hi = math.Min(lo, sum), math.Max(hi, sum)
	}
	lo, hi = math.Min(lo, total), math.Max(hi, total)
	if hi-lo == 0 {
		hi = 1
	}
	x := func(v float64) float64 { return labelW + pad + plotW*(v-lo)/(hi-lo) }
	sum = 0
	for i, s := range steps {
		y := 5 + row*float64(i)
		a, b := x(sum), x(sum+s.W)
		sum += s.W
		fill := colGood
		if s.W < 0 {
			fill = colBad
			a, b = b, a
		}
		w := math.Max(b-a, 1)
		txt := signed(s.W)
		c.Texts = append(c.Texts, Text{X: labelW - 4, Y: y + 14, Anchor: "end", S: s.Label})
		c.Rects = append(c.Rects, Rect{X: a, Y: y + 2, W: w, H: row - 4, Fill: fill, Tip: s.Label + ": " + txt,
			Value: strconv.FormatFloat(s.W, 'g', -1, 64), Class: "step"})
		c.Texts = append(c.Texts, Text{X: math.Max(a, b) + 3, Y: y + 14, Anchor: "start", S: txt, Class: "v"})
	}
	y := 5 + row*float64(len(steps))
	a, b := x(0), x(total)
	if b < a {
		a, b = b, a
	}
	c.Texts = append(c.Texts, Text{X: labelW - 4, Y: y + 14, Anchor: "end", S: "peso totale / match weight", Class: "b"})
	c.Rects = append(c.Rects, Rect{X: a, Y: y + 2, W: math.Max(b-a, 1), H: row - 4, Fill: colNeutral,
		Tip: "match weight: " + signed(total), Value: strconv.FormatFloat(total, 'g', -1, 64), Class: "total"})
	c.Texts = append(c.Texts, Text{X: b + 3, Y: y + 14, Anchor: "start", S: signed(total), Class: "v b"})
	c.Lines = append(c.Lines, Line{X1: x(0), Y1: 0, X2: x(0), Y2: c.H, Class: "axis"})
	return c
}

// Column is one bar of a column chart.
type Column struct {
	Label string // under the bar (may be empty)
	V     float64
	Fill  string
	Tip   string
}

// columnChart draws vertical bars from zero, oldest on the left.
func columnChart(id, title string, cols []Column, unit string) Chart {
	const h, plotH, barW, gap, left = 150.0, 110.0, 16.0, 4.0, 40.0
	c := Chart{ID: id, Title: title, W: left + float64(len(cols))*(barW+gap) + 10, H: h}
	hi := 0.0
	for _, col := range cols {
		hi = math.Max(hi, col.V)
	}
	if hi == 0 {
		hi = 1
	}
	base := 10 + plotH
	for i, col := range cols {
		bh := math.Max(plotH*col.V/hi, 1)
		x := left + float64(i)*(barW+gap)
		c.Rects = append(c.Rects, Rect{X: x, Y: base - bh, W: barW, H: bh, Fill: col.Fill, Tip: col.Tip, Value: strconv.FormatFloat(col.V, 'g', -1, 64)})
		if col.Label != "" {
			c.Texts = append(c.Texts, Text{X: x + barW/2, Y: base + 14, Anchor: "middle", S: col.Label, Class: "s"})
		}
	}
	c.Lines = append(c.Lines, Line{X1: left - 2, Y1: base, X2: c.W, Y2: base, Class: "axis"})
	c.Texts = append(c.Texts, Text{X: left - 4, Y: 14, Anchor: "end", S: num(hi) + " " + unit, Class: "s"},
		Text{X: left - 4, Y: base, Anchor: "end", S: "0", Class: "s"})
	return c
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// num prints a figure the Italian way: 1.784 and 0,75.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return thousands(int64(v))
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	out := []byte(s)
	for i := range out {
		if out[i] == '.' {
			out[i] = ','
		}
	}
	return string(out)
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, '.')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

func signed(v float64) string {
	s := num(math.Round(v*100) / 100)
	if v >= 0 {
		return "+" + s
	}
	return s
}

func percent(n, total int) string {
	if total == 0 {
		return "–"
	}
	return strconv.Itoa(int(math.Round(100*float64(n)/float64(total)))) + "%"
}
