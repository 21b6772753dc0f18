using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using Rcnn.Training.Structures;
using Rcnn.Training.Tests.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling;

[TestClass]
public class RoiPoolerTests
{
    [TestMethod]
    public void LevelAssignmentAtTheBorders()
    {
        // Square boxes of side s: level = floor(4 + log2(s / 224 + 1e-8)), clamped to [2, 5], minus 2.
        // s = 224 -> 4; 112 -> 3; 448 -> 5 (exact powers of 2 in float); just below each border drops a level;
        // 20 clamps to 2 and 2000 to 5.
        float[] sides = { 224f, 223.9f, 112f, 111.9f, 448f, 447.9f, 20f, 2000f };
        long[] expected = { 2, 1, 1, 0, 3, 2, 0, 3 };
        var boxes = new Boxes(tensor(sides.SelectMany(s => new[] { 10f, 10f, 10f + s, 10f + s }).ToArray()).reshape(-1, 4));
        var levels = RoiPooler.AssignBoxesToLevels(new[] { boxes }, 2, 5, 224, 4);
        CollectionAssert.AreEqual(expected, levels.data<long>().ToArray());
    }

    [TestMethod]
    public void ScalesMustBeConsecutivePowersOfTwo()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new RoiPooler(7, new[] { 1 / 3.0 }, 0, "ROIAlignV2"));
        Assert.ThrowsExactly<ArgumentException>(() => new RoiPooler(7, new[] { 1 / 4.0, 1 / 16.0 }, 0, "ROIAlignV2"));
        Assert.ThrowsExactly<ArgumentException>(() => new RoiPooler(7, new[] { 1 / 4.0 }, 0, "ROIPool"));
        var pooler = new RoiPooler(7, new[] { 1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0 }, 0, "ROIAlignV2");
        Assert.AreEqual(2, pooler.MinLevel);
        Assert.AreEqual(5, pooler.MaxLevel);
    }

    [TestMethod]
    public void EmptyBoxListsGiveAnEmptyOutput()
    {
        var pooler = new RoiPooler(7, new[] { 1 / 4.0, 1 / 8.0 }, 0, "ROIAlignV2");
        var features = new[] { zeros(2, 3, 8, 8), zeros(2, 3, 4, 4) };
        var output = pooler.Forward(features, new[] { Boxes.Empty(), Boxes.Empty() });
        CollectionAssert.AreEqual(new long[] { 0, 3, 7, 7 }, output.shape);
        Assert.ThrowsExactly<ArgumentException>(() => pooler.Forward(features, new[] { Boxes.Empty() }));
    }

    [TestMethod]
    public void BoxWithNegativeAreaPoolsToZeroLikeDetectron2()
    {
        // x1 < x0 gives a negative area, so sqrt -> NaN and no level matches: detectron2 leaves that row of the output
        // zero. The other box (side 40, level p2) is pooled normally.
        manual_seed(9);
        var features = new[] { randn(1, 2, 16, 16), randn(1, 2, 8, 8) };
        var boxes = new Boxes(tensor(new[] { 30f, 10f, 20f, 40f, 10f, 10f, 50f, 50f }).reshape(-1, 4));
        var output = new RoiPooler(7, new[] { 1 / 4.0, 1 / 8.0 }, 0, "ROIAlignV2").Forward(features, new[] { boxes });
        Assert.AreEqual(0f, output[0].abs().sum().item<float>());
        var expected = RoiAlign.Apply(features[0], tensor(new[] { 0f, 10f, 10f, 50f, 50f }).reshape(1, 5), (7, 7), 0.25, 0, true);
        Assert.AreEqual(0f, (output[1] - expected[0]).abs().max().item<float>());
    }

    [TestMethod]
    public void MatchesTheLevelFormulaWithTorchvisionRoiAlign()
    {
        using var doc = OpsFixture.Load("pooler");
        var root = doc.RootElement;
        var maps = root.GetProperty("features").EnumerateArray()
            .Select(f => tensor(OpsFixture.Floats(f.GetProperty("data"))).reshape(OpsFixture.Longs(f.GetProperty("shape")))).ToArray();
        int cases = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            var levelIds = c.GetProperty("levels_used").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var scales = c.GetProperty("scales").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            int canonical = c.GetProperty("canonical_box_size").GetInt32();
            var pooler = new RoiPooler(c.GetProperty("output_size").GetInt32(), scales, c.GetProperty("sampling_ratio").GetInt32(),
                c.GetProperty("pooler_type").GetString()!, canonicalBoxSize: canonical);
            var boxLists = c.GetProperty("boxes").EnumerateArray().Select(b => new Boxes(tensor(OpsFixture.Floats(b)).reshape(-1, 4))).ToArray();

            if (levelIds.Length > 1)
            {
                var levels = RoiPooler.AssignBoxesToLevels(boxLists, pooler.MinLevel, pooler.MaxLevel, canonical, 4);
                CollectionAssert.AreEqual(OpsFixture.Longs(c.GetProperty("level_assignment")), levels.data<long>().ToArray(), name);
            }
            var output = pooler.Forward(levelIds.Select(i => maps[i]).ToArray(), boxLists);
            var expected = OpsFixture.Floats(c.GetProperty("output"));
            Assert.IsLessThanOrEqualTo(1e-5f, OpsFixture.MaxAbsDiff(expected, output.reshape(-1).data<float>().ToArray(), name));
            cases++;
        }
        Assert.AreEqual(4, cases);
    }

    [TestMethod]
    public void GradientOfEachLevelMatchesPoolingItsOwnBoxesAlone()
    {
        // Sides 40, 60 and 300 with canonical 224 go to p2, p2 and p4; p3 gets no box, so a zero gradient. Each level's
        // gradient must equal the one of a plain single-level RoiAlign over just its boxes (checked against torchvision
        // by RoiAlignTests), with the same output weights.
        manual_seed(5);
        var maps = new[] { randn(1, 2, 32, 32), randn(1, 2, 16, 16), randn(1, 2, 8, 8) };
        var boxes = tensor(new[] { 10f, 10f, 50f, 50f, 0f, 0f, 300f, 300f, 30f, 20f, 90f, 80f }).reshape(-1, 4);
        var weights = randn(3, 2, 7, 7);
        var scales = new[] { 1 / 4.0, 1 / 8.0, 1 / 16.0 };
        var leaves = maps.Select(m => m.clone().requires_grad_(true)).ToArray();
        (new RoiPooler(7, scales, 0, "ROIAlignV2").Forward(leaves, new[] { new Boxes(boxes) }) * weights).sum().backward();

        var assigned = new[] { new long[] { 0, 2 }, Array.Empty<long>(), new long[] { 1 } };
        for (int level = 0; level < 3; level++)
        {
            var x = maps[level].clone().requires_grad_(true);
            var rows = tensor(assigned[level]);
            var rois = cat(new[] { zeros(assigned[level].Length, 1), boxes.index_select(0, rows) }, 1);
            var expectedGrad = zeros_like(x);
            if (assigned[level].Length > 0)
            {
                (RoiAlign.Apply(x, rois, (7, 7), scales[level], 0, true) * weights.index_select(0, rows)).sum().backward();
                expectedGrad = x.grad!;
            }
            var actual = leaves[level].grad ?? zeros_like(x);
            Assert.IsLessThanOrEqualTo(1e-5f, (actual - expectedGrad).abs().max().item<float>(), $"level {level}");
        }
        Assert.AreEqual(0f, leaves[1].grad?.abs().sum().item<float>() ?? 0f);
        Assert.IsGreaterThan(0f, leaves[2].grad!.abs().sum().item<float>());
    }
}
