using Rcnn.Training.Evaluation;
using Rcnn.Training.Visualization;
using static Rcnn.Training.Tests.Evaluation.CocoCase;

namespace Rcnn.Training.Tests.Evaluation;

[TestClass]
public class PlotTests
{
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static string TempDir() => Directory.CreateTempSubdirectory("rcnn-plots-").FullName;

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.IsTrue(bytes.Length > 1000, $"{path} has only {bytes.Length} bytes");
        CollectionAssert.AreEqual(PngMagic, bytes.Take(8).ToArray());
    }

    [TestMethod]
    public void LinePlotWritesAPng()
    {
        var dir = TempDir();
        try
        {
            var x = Enumerable.Range(0, 50).Select(i => (double)i * 20).ToArray();
            var path = Path.Combine(dir, "sub", "loss.png");
            LinePlot.SavePng(path, "Training loss", "iteration", "loss",
                [new LineSeries("total_loss", x, x.Select(v => 2 * Math.Exp(-v / 300) + 0.1).ToArray())]);
            AssertPng(path);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void LinePlotRejectsMismatchedSeries()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            LinePlot.SavePng(Path.Combine(Path.GetTempPath(), "never.png"), "t", "x", "y", [new LineSeries("s", [1, 2, 3], [1, 2])]));
        StringAssert.Contains(e.Message, "3 x values but 2 y values");
    }

    [TestMethod]
    public void PrCurvesAreWrittenPerCategoryWithGroundTruth()
    {
        // "a" has gts (PR curve drawn), "b" has none (no file).
        var truth = new CocoGroundTruth([new CocoCategory(1, "a"), new CocoCategory(2, "b")],
            [new CocoImage(1, [Gt(Box(0, 0, 100, 100), 1), Gt(Box(200, 0, 100, 100), 1)])]);
        var r = CocoEvaluator.Evaluate(truth, [Det(1, Box(0, 0, 100, 80), 0.9, 1), Det(1, Box(500, 0, 50, 50), 0.8, 1), Det(1, Box(200, 0, 100, 100), 0.7, 1)]);
        var dir = TempDir();
        try
        {
            var files = PrCurvePlot.SavePerCategory(r, dir);
            CollectionAssert.AreEqual(new[] { Path.Combine(dir, "pr_a.png") }, files.ToArray());
            AssertPng(files[0]);
            var all = Path.Combine(dir, "pr_all.png");
            PrCurvePlot.SaveAllCategories(r, all);
            AssertPng(all);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
