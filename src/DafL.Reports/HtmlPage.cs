using System.Net;
using System.Text;

namespace DafL.Reports;

/// <summary>A part of a report section: a figure, a table or a note.</summary>
public abstract record Block;

/// <summary>A PNG, embedded in the page as a data URI.</summary>
public sealed record Figure(string Caption, byte[] Png) : Block;

/// <summary>A table under its caption; a row has one cell per header.</summary>
public sealed record TableBlock(string Caption, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;

/// <summary>A remark on what the report shows or leaves out.</summary>
public sealed record Note(string Text) : Block;

public sealed record Section(string Heading, IReadOnlyList<Block> Blocks);

/// <summary>
/// Writes a report as one self-contained HTML file: the styles inline, every image a base64 data URI, no script
/// and no link out, so it opens anywhere, from a mail or an archive. Every text is escaped where it is put in.
/// </summary>
public static class HtmlPage
{
    const string Style = """
        body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; margin-top: 2em; }
        figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
        figcaption { font-size: 0.9em; color: #555; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
        caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; } td.n { text-align: right; }
        p.note { color: #6a4b00; background: #fff8e0; padding: 0.4em 0.7em; }
        """;

    public static string Render(string title, IReadOnlyList<Section> sections)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Escape(title)).Append("</title>\n<style>\n")
            .Append(Style).Append("</style>\n</head>\n<body>\n<h1>").Append(Escape(title)).Append("</h1>\n");
        foreach (var section in sections)
        {
            html.Append("<section>\n<h2>").Append(Escape(section.Heading)).Append("</h2>\n");
            foreach (var block in section.Blocks) Append(html, block);
            html.Append("</section>\n");
        }
        return html.Append("</body>\n</html>\n").ToString();
    }

    /// <summary>Text made safe for an element's content and for a quoted attribute (&amp;, &lt;, &gt;, quotes).</summary>
    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    static void Append(StringBuilder html, Block block)
    {
        switch (block)
        {
            case Figure f:
                html.Append("<figure><img alt=\"").Append(Escape(f.Caption)).Append("\" src=\"data:image/png;base64,")
                    .Append(Convert.ToBase64String(f.Png)).Append("\"><figcaption>").Append(Escape(f.Caption)).Append("</figcaption></figure>\n");
                break;
            case TableBlock t:
                html.Append("<table>\n<caption>").Append(Escape(t.Caption)).Append("</caption>\n<tr>");
                foreach (var h in t.Headers) html.Append("<th>").Append(Escape(h)).Append("</th>");
                html.Append("</tr>\n");
                foreach (var row in t.Rows)
                {
                    if (row.Count != t.Headers.Count) throw new ArgumentException($"A row of {row.Count} cells under {t.Headers.Count} headers.", nameof(block));
                    html.Append("<tr>");
                    foreach (var cell in row) html.Append(IsNumber(cell) ? "<td class=\"n\">" : "<td>").Append(Escape(cell)).Append("</td>");
                    html.Append("</tr>\n");
                }
                html.Append("</table>\n");
                break;
            case Note p:
                html.Append("<p class=\"note\">").Append(Escape(p.Text)).Append("</p>\n");
                break;
            default:
                throw new ArgumentException($"No HTML for {block.GetType().Name}.", nameof(block));
        }
    }

    /// <summary>Numbers are right-aligned, so that their digits line up.</summary>
    static bool IsNumber(string cell) => cell.Length > 0 && (char.IsDigit(cell[0]) || cell[0] == '-' && cell.Length > 1 && char.IsDigit(cell[1]));
}
