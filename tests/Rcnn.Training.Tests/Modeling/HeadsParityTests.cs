using Rcnn.Training.Checkpoint;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Modeling.Roi;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling;

/// <summary>RPN head, box head and box predictor against torchvision's (tests/fixtures/heads.json), loaded through
/// the same key mapping and layout conversion that imports whole torchvision detectors.</summary>
[TestClass]
public class HeadsParityTests
{
    private static readonly System.Text.Json.JsonElement Cases = TorchFixture.Load("heads.json").GetProperty("cases");

    private static Dictionary<string, Tensor> Converted(System.Text.Json.JsonElement weights, string torchvisionPrefix, string ourPrefix)
    {
        var tv = weights.EnumerateObject().ToDictionary(p => torchvisionPrefix + p.Name, p => TorchFixture.Tensor(p.Value));
        var ours = TorchvisionLayout.ConvertFasterRcnn(tv, out var dropped);
        Assert.AreEqual(0, dropped.Count, "unmapped: " + string.Join(", ", dropped));
        return ours.ToDictionary(kv => kv.Key[ourPrefix.Length..], kv => kv.Value);
    }

    [TestMethod]
    public void RpnHeadMatchesTorchvision()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("rpn_head");
        var head = new StandardRpnHead(8, 3);
        var report = StateDictLoader.Load(head, Converted(c.GetProperty("weights"), "rpn.head.", "proposal_generator.rpn_head."), strict: true);
        using var _ = no_grad();
        var (logits, deltas) = head.call(c.GetProperty("inputs").EnumerateArray().Select(TorchFixture.Tensor).ToList());
        var expectedLogits = c.GetProperty("logits").EnumerateArray().Select(TorchFixture.Tensor).ToList();
        var expectedDeltas = c.GetProperty("deltas").EnumerateArray().Select(TorchFixture.Tensor).ToList();
        for (int i = 0; i < 2; i++)
        {
            TorchFixture.AssertClose(expectedLogits[i], logits[i], 1e-5, $"logits level {i}");
            TorchFixture.AssertClose(expectedDeltas[i], deltas[i], 1e-5, $"deltas level {i}");
        }
    }

    [TestMethod]
    public void BoxHeadMatchesTorchvisionTwoMlpHead()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("box_head");
        var head = new FastRcnnConvFcHead(new ShapeSpec(4, 0, 3, 3), Array.Empty<int>(), new[] { 16, 16 });
        StateDictLoader.Load(head, Converted(c.GetProperty("weights"), "roi_heads.box_head.", "roi_heads.box_head."), strict: true);
        using var _ = no_grad();
        TorchFixture.AssertClose(TorchFixture.Tensor(c.GetProperty("output")), head.call(TorchFixture.Tensor(c.GetProperty("input"))), 1e-5, "box head");
        Assert.AreEqual(new ShapeSpec(16), head.OutputShape);
    }

    [TestMethod]
    public void PredictorMatchesTorchvisionWithBackgroundMovedLast()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("predictor");
        var predictor = new FastRcnnOutputLayers(16, numClasses: 3);
        StateDictLoader.Load(predictor, Converted(c.GetProperty("weights"), "roi_heads.box_predictor.", "roi_heads.box_predictor."), strict: true);
        using var _ = no_grad();
        var (scores, deltas) = predictor.call(TorchFixture.Tensor(c.GetProperty("input")));
        var tvScores = TorchFixture.Tensor(c.GetProperty("scores"));
        var tvDeltas = TorchFixture.Tensor(c.GetProperty("deltas"));
        // torchvision column 0 is background: ours are its columns 1, 2, 3, then 0.
        TorchFixture.AssertClose(tvScores.index_select(1, tensor(new long[] { 1, 2, 3, 0 })), scores, 1e-5, "scores");
        TorchFixture.AssertClose(tvDeltas[.., TensorIndex.Slice(4)], deltas, 1e-5, "deltas without background");
    }

    [TestMethod]
    public void HeadsRejectBadShapes()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new StandardRpnHead(0, 3));
        Assert.ThrowsExactly<ArgumentException>(() => new FastRcnnConvFcHead(new ShapeSpec(4), Array.Empty<int>(), new[] { 8 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FastRcnnOutputLayers(16, 0));
        Assert.ThrowsExactly<ArgumentException>(() => TorchvisionLayout.DropBackgroundDeltas(zeros(6, 3)));
    }

    [TestMethod]
    public void ConvFcHeadWithConvsAndGroupNormHasDetectron2Names()
    {
        using var scope = NewDisposeScope();
        var head = new FastRcnnConvFcHead(new ShapeSpec(32, 0, 7, 7), new[] { 32, 32 }, new[] { 64 }, convNorm: "GN");
        var keys = head.state_dict().Keys.ToList();
        CollectionAssert.IsSubsetOf(new[] { "conv1.weight", "conv1.norm.weight", "conv2.norm.bias", "fc1.weight", "fc1.bias" }, keys);
        Assert.IsFalse(keys.Contains("conv1.bias"), "a normalised conv has no bias");
        using var _ = no_grad();
        CollectionAssert.AreEqual(new long[] { 3, 64 }, head.call(randn(3, 32, 7, 7)).shape);
    }
}
