using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.AnchorGenerators;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>Backbone + RPN exported (<see cref="ProposalOnnxExporter"/>) against Rpn.Forward in eval mode on the same
/// features: same proposals in the same order, the same logits.</summary>
[TestClass]
public sealed class RpnExportTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    /// <summary>The BCCD R-18 FPN model, random init; the RPN head is sharpened so logits and deltas spread out (the
    /// default init of std 0.01 leaves every proposal near its anchor with near-equal scores).</summary>
    private static GeneralizedRcnn Model(params string[] overrides)
    {
        manual_seed(5);
        var cfg = RcnnConfig.FromFile(TestFiles.BccdConfig, overrides);
        var model = GeneralizedRcnn.FromConfig(cfg);
        OnnxParity.Randomize(model, 31);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("objectness_logits.weight")) p.mul_(300);
                else if (name.EndsWith("anchor_deltas.weight")) p.mul_(60);
        model.eval();
        return model;
    }

    /// <summary>Runs both sides on a padded random image whose true size is <paramref name="h"/> x <paramref name="w"/>;
    /// returns the proposal count.</summary>
    private static long AssertProposalsMatch(GeneralizedRcnn model, int h, int w, int seed)
    {
        using var scope = NewDisposeScope();
        var rpn = (Rpn)model.ProposalGenerator!;
        int div = model.Backbone.SizeDivisibility;
        long ph = (h + div - 1) / div * div, pw = (w + div - 1) / div * div;
        var image = randn(new long[] { 1, 3, ph, pw }, generator: new Generator((ulong)seed));

        List<Instances> expected;
        using (no_grad())
        {
            var features = model.Backbone.call(image);
            expected = rpn.Forward(new ImageList(image, new[] { (h, w) }), features).Proposals;
        }
        var expBoxes = expected[0].ProposalBoxes.Tensor;
        var expLogits = expected[0].ObjectnessLogits;

        using var run = new OrtRun(ProposalOnnxExporter.Build(model.Backbone, rpn).ToBytes());
        var outputs = run.Run((ProposalOnnxExporter.ImagesInput, image), (ProposalOnnxExporter.ImageSizeInput, tensor(new long[] { h, w })));
        var (boxes, _, _, shape) = outputs[ProposalOnnxExporter.ProposalsOutput];
        var logits = outputs[ProposalOnnxExporter.LogitsOutput].Floats;
        Assert.AreEqual(expBoxes.shape[0], shape[0], $"proposal count at {h}x{w}");
        Assert.IsTrue(shape[0] > 0, "no proposals: the comparison would be vacuous");
        var e = expBoxes.contiguous().data<float>().ToArray();
        var el = expLogits.contiguous().data<float>().ToArray();
        double worstBox = 0, worstLogit = 0;
        for (int i = 0; i < e.Length; i++) worstBox = Math.Max(worstBox, Math.Abs(boxes[i] - e[i]));
        for (int i = 0; i < el.Length; i++) worstLogit = Math.Max(worstLogit, Math.Abs(logits[i] - el[i]) / Math.Max(1, Math.Abs(el[i])));
        double scale = e.Max(v => Math.Abs(v));
        Console.WriteLine($"{h}x{w}: {shape[0]} proposals, worst box diff {worstBox:E2} px of {scale:F0}, worst logit diff {worstLogit:E2}");
        // Backbone float noise is amplified by the sharpened deltas' exp(); relative to the coordinates it stays ~1e-5.
        Assert.IsTrue(worstBox / scale < 1e-4, $"{h}x{w}: a proposal differs by {worstBox} px (coordinates up to {scale})");
        Assert.IsTrue(worstLogit < 1e-4, $"{h}x{w}: a logit differs by {worstLogit} (relative)");
        return shape[0];
    }

    [TestMethod]
    [DataRow(256, 341)]
    [DataRow(257, 391)]
    [DataRow(200, 640)]
    public void Proposals_MatchRpnForward(int h, int w)
    {
        using var model = Model();
        AssertProposalsMatch(model, h, w, h + w);
    }

    [TestMethod]
    public void PreNmsTopkAboveAnchorCount_AndMinSizeFiltering_Match()
    {
        // 64x80 has 16*20*3 = 960 anchors on p2, far fewer than PRE_NMS_TOPK_TEST 5000; MIN_SIZE 12
        // removes the small boxes of the finest levels.
        using var model = Model("MODEL.RPN.PRE_NMS_TOPK_TEST", "5000", "MODEL.RPN.POST_NMS_TOPK_TEST", "3000", "MODEL.PROPOSAL_GENERATOR.MIN_SIZE", "12");
        long n = AssertProposalsMatch(model, 64, 80, 9);
        Assert.IsTrue(n < 3000, $"{n} proposals: the post-NMS cap, not NMS and min size, decided the count");
    }

    [TestMethod]
    public void Anchors_ForOddFeatureSize_AreHandComputed()
    {
        // One size 16, ratios 0.5/1/2, stride 8, offset 0.5 on a 3x5 map. Cell anchor for ratio r: w = sqrt(256/r),
        // h = r*w, centred on 0; centres at (8*i + 4, 8*j + 4). Anchor index (y*5 + x)*3 + a.
        using var generator = new DefaultAnchorGenerator(new[] { new double[] { 16 } }, new[] { new double[] { 0.5, 1, 2 } }, new[] { 8 }, 0.5);
        var g = new OnnxGraphBuilder("anchors");
        var f = g.AddInput("f", TensorProto.Types.DataType.Float, 1, 1, "h", "w");
        var anchors = AnchorExporter.Emit(g, generator, 0, f, "anchors");
        g.AddOutput(g.AddNode("Identity", "anchors_out", new[] { anchors }), TensorProto.Types.DataType.Float, "n", 4);
        using var run = new OrtRun(g.ToBytes());
        var (a, _, _, shape) = run.Run(("f", zeros(1, 1, 3, 5)))["anchors_out"];
        CollectionAssert.AreEqual(new long[] { 45, 4 }, shape);
        double[] ratios = { 0.5, 1, 2 };
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
                for (int k = 0; k < 3; k++)
                {
                    double w = Math.Sqrt(256 / ratios[k]), h = ratios[k] * w, cx = 8 * x + 4, cy = 8 * y + 4;
                    int row = ((y * 5 + x) * 3 + k) * 4;
                    double[] want = { cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2 };
                    for (int c = 0; c < 4; c++) Assert.AreEqual(want[c], a[row + c], 1e-4, $"anchor ({y},{x},{k}) coord {c}");
                }
    }
}
