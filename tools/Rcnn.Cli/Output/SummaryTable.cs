using System.Globalization;
using Rcnn.Training.Evaluation;
using Spectre.Console;

namespace Rcnn.Cli.Output;

/// <summary>The end-of-run table: COCO AP numbers and per-class AP, in percent.</summary>
public static class SummaryTable
{
    public static Table Build(string title, CocoEvalResult r)
    {
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded);
        var columns = new List<string> { "AP", "AP50", "AP75", "APs", "APm", "APl" };
        columns.AddRange(r.PerCategoryAp.Keys.Select(k => "AP-" + k));
        foreach (var c in columns) table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        var values = new List<double> { r.AP, r.AP50, r.AP75, r.APs, r.APm, r.APl };
        values.AddRange(r.PerCategoryAp.Values);
        table.AddRow(values.Select(v => Markup.Escape(Percent(v))).ToArray());
        return table;
    }

    public static string Percent(double v) => v < 0 || double.IsNaN(v) ? "nan" : (v * 100).ToString("F1", CultureInfo.InvariantCulture);
}
