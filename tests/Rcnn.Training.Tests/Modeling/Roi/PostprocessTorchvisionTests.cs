using Rcnn.Training.Modeling.Roi;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Roi;

/// <summary>
/// FastRcnnOutputLayers.Inference against torchvision's RoIHeads.postprocess_detections
/// (tests/fixtures/roi_heads_postprocess.json, tools/fixtures/roi_heads_postprocess.py). The generator picks inputs on
/// which the two must agree: no clipped box below torchvision's 1e-2 minimum side, no probability within 1e-4 of the
/// threshold, no tied kept scores; NMS and the top-k cut both change the result there.
/// </summary>
[TestClass]
public class PostprocessTorchvisionTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void MatchesTorchvisionAfterLayoutConversion()
    {
        using var scope = NewDisposeScope();
        var f = TorchFixture.Load("roi_heads_postprocess.json");
        int k = f.GetProperty("num_classes").GetInt32();
        var predictor = new FastRcnnOutputLayers(4, k,
            testScoreThresh: f.GetProperty("score_thresh").GetDouble(),
            testNmsThresh: f.GetProperty("nms_thresh").GetDouble(),
            testTopkPerImage: f.GetProperty("detections_per_image").GetInt32());

        var shapes = f.GetProperty("image_shapes").EnumerateArray()
            .Select(s => (s[0].GetInt32(), s[1].GetInt32())).ToArray();
        var proposals = f.GetProperty("proposals").EnumerateArray()
            .Select((p, i) => new Instances(shapes[i]) { ProposalBoxes = new Boxes(TorchFixture.Tensor(p)) }).ToList();

        // torchvision: [background, c1..cK] logits and (K + 1) x 4 deltas with background's first;
        // detectron2: [c0..cK-1, background] and K x 4 deltas.
        var tvLogits = TorchFixture.Tensor(f.GetProperty("class_logits"));
        var logits = cat(new[] { tvLogits[.., TensorIndex.Slice(1, null)], tvLogits[.., TensorIndex.Slice(0, 1)] }, 1);
        var deltas = TorchFixture.Tensor(f.GetProperty("box_regression"))[.., TensorIndex.Slice(4, null)];

        var results = predictor.Inference(logits, deltas, proposals);
        var expected = f.GetProperty("expected").EnumerateArray().ToArray();
        Assert.AreEqual(expected.Length, results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var labels = expected[i].GetProperty("labels").EnumerateArray().Select(l => l.GetInt64() - 1).ToArray();
            Assert.IsTrue(labels.Length > 0, "the fixture has detections");
            CollectionAssert.AreEqual(labels, results[i].PredClasses.data<long>().ToArray(), $"image {i} classes");
            TorchFixture.AssertClose(TorchFixture.Tensor(expected[i].GetProperty("scores")), results[i].Scores, 1e-5, $"image {i} scores");
            TorchFixture.AssertClose(TorchFixture.Tensor(expected[i].GetProperty("boxes")), results[i].PredBoxes.Tensor, 1e-4, $"image {i} boxes");
        }
    }
}
