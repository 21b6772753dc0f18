using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.Roi;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Roi;

/// <summary>detectron2's fast_rcnn_inference_single_image semantics on hand-made boxes and probabilities.</summary>
[TestClass]
public class FastRcnnInferenceTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    private static readonly (int, int) Size = (50, 100); // height 50, width 100

    // K = 2. Per ROI: class-0 box, class-1 box; probabilities (class 0, class 1, background).
    private static (Tensor Boxes, Tensor Scores) Case() => (
        tensor(new float[]
        {
            10, 10, 30, 30,   10, 10, 30, 30,    // roi 0
            12, 10, 32, 30,   12, 10, 32, 30,    // roi 1: IoU 360 / 440 = 0.82 with roi 0
            70, 30, 90, 45,   70, 30, 90, 45,    // roi 2
            -5, -5, 20, 60,   40, 0, 50, 10,     // roi 3: class-0 box crosses the image border
            float.NaN, 0, 10, 10,  0, 0, 10, 10, // roi 4: non-finite
        }).reshape(5, 8),
        tensor(new float[]
        {
            0.60f, 0.30f, 0.10f,
            0.50f, 0.40f, 0.10f,
            0.25f, 0.05f, 0.70f,   // class 0 exactly at the 0.25 threshold
            0.30f, 0.20f, 0.50f,
            0.90f, 0.05f, 0.05f,
        }).reshape(5, 3));

    [TestMethod]
    public void ThresholdPerClassNmsClipAndOrder()
    {
        using var scope = NewDisposeScope();
        var (boxes, scores) = Case();
        var (result, rois) = FastRcnnInference.SingleImage(boxes, scores, Size, 0.25, 0.5, 100);
        // Candidates above 0.25: (0,c0,.6) (0,c1,.3) (1,c0,.5) (1,c1,.4) (3,c0,.3); roi 4 is dropped as non-finite.
        // Class 0: roi 1 (IoU 0.82 with roi 0) is suppressed; roi 3, clipped to (0,0,20,50), has IoU 200/1200 with roi 0.
        // Class 1: roi 0 (0.3) is suppressed by roi 1 (0.4); roi 1 survives although it overlaps roi 0's class-0 box.
        CollectionAssert.AreEqual(new long[] { 0, 1, 3 }, rois.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 0 }, result.PredClasses.data<long>().ToArray());
        CollectionAssert.AreEqual(new[] { 0.6f, 0.4f, 0.3f }, result.Scores.data<float>().ToArray());
        var expectedBoxes = tensor(new float[] { 10, 10, 30, 30, 12, 10, 32, 30, 0, 0, 20, 50 }).reshape(3, 4);
        TorchFixture.AssertClose(expectedBoxes, result.PredBoxes.Tensor, 0, "boxes");
        Assert.AreEqual(Size, result.ImageSize);
    }

    [TestMethod]
    public void ScoreEqualToThresholdIsDroppedButJustBelowItIsKept()
    {
        using var scope = NewDisposeScope();
        var (boxes, scores) = Case();
        var (_, atThreshold) = FastRcnnInference.SingleImage(boxes, scores, Size, 0.25, 0.5, 100);
        CollectionAssert.DoesNotContain(atThreshold.data<long>().ToArray(), 2L);
        var (lower, rois) = FastRcnnInference.SingleImage(boxes, scores, Size, 0.24, 0.5, 100);
        int i = Array.IndexOf(rois.data<long>().ToArray(), 2L);
        Assert.IsTrue(i >= 0, "roi 2 class 0 (score 0.25) passes a 0.24 threshold");
        Assert.AreEqual(0L, lower.PredClasses[i].item<long>());
    }

    [TestMethod]
    public void TopKKeepsTheBestScores()
    {
        using var scope = NewDisposeScope();
        var (boxes, scores) = Case();
        var (result, rois) = FastRcnnInference.SingleImage(boxes, scores, Size, 0.25, 0.5, 2);
        CollectionAssert.AreEqual(new long[] { 0, 1 }, rois.data<long>().ToArray());
        CollectionAssert.AreEqual(new[] { 0.6f, 0.4f }, result.Scores.data<float>().ToArray());
        var (none, _) = FastRcnnInference.SingleImage(boxes, scores, Size, 0.25, 0.5, 0);
        Assert.AreEqual(0, none.Count);
    }

    [TestMethod]
    public void ClassAgnosticBoxesAreSharedAcrossClasses()
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(new float[] { 10, 10, 30, 30, 11, 10, 31, 30 }).reshape(2, 4);
        var scores = tensor(new float[] { 0.5f, 0.4f, 0.1f, 0.45f, 0.35f, 0.2f }).reshape(2, 3);
        var (result, rois) = FastRcnnInference.SingleImage(boxes, scores, Size, 0.05, 0.5, 100);
        // Same box in both classes is kept in each class; roi 1 (IoU 0.9 with roi 0) is suppressed in both.
        CollectionAssert.AreEqual(new long[] { 0, 0 }, rois.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1 }, result.PredClasses.data<long>().ToArray());
        TorchFixture.AssertClose(boxes[0].expand(2, 4), result.PredBoxes.Tensor, 0, "boxes");
    }

    [TestMethod]
    public void EmptyInputsGiveEmptyDetections()
    {
        using var scope = NewDisposeScope();
        var (result, rois) = FastRcnnInference.SingleImage(zeros(0, 8), zeros(0, 3), Size, 0.05, 0.5, 100);
        Assert.AreEqual(0, result.Count);
        Assert.AreEqual(0, rois.shape[0]);
        CollectionAssert.AreEqual(new[] { Instances.PredBoxesField, Instances.ScoresField, Instances.PredClassesField }, result.FieldNames.ToArray());

        var predictor = new FastRcnnOutputLayers(4, numClasses: 2, testScoreThresh: 0.05);
        var noProposals = new Instances(Size) { ProposalBoxes = Boxes.Empty() };
        var (s, d) = predictor.call(zeros(0, 4));
        var detections = predictor.Inference(s, d, [noProposals]);
        Assert.AreEqual(1, detections.Count);
        Assert.AreEqual(0, detections[0].Count);
    }

    [TestMethod]
    public void PredictorInferenceDecodesSoftmaxesAndSplitsPerImage()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(4, numClasses: 2, testScoreThresh: 0.05, testNmsThresh: 0.5, testTopkPerImage: 100);
        var a = new Instances(Size) { ProposalBoxes = new Boxes(tensor(new float[] { 10, 10, 30, 30 }).reshape(1, 4)) };
        var b = new Instances(Size) { ProposalBoxes = new Boxes(tensor(new float[] { 0, 0, 40, 20, 50, 20, 60, 40 }).reshape(2, 4)) };
        // Logits (ln 6, ln 3, 0) give probabilities (0.6, 0.3, 0.1).
        var logits = tensor(new float[] { (float)Math.Log(6), (float)Math.Log(3), 0, 0, 0, 10, 0, 10, 0 }).reshape(3, 3);
        // Class-1 deltas of roi 0 shift x by 0.1 * width / 10 (weight 10): dx = 1 moves the box 2 px right.
        var deltas = zeros(3, 8);
        deltas[0, 4].fill_(1f);
        var results = predictor.Inference(logits, deltas, [a, b]);
        Assert.AreEqual(2, results.Count);
        CollectionAssert.AreEqual(new long[] { 0, 1 }, results[0].PredClasses.data<long>().ToArray());
        Assert.AreEqual(0.6, results[0].Scores[0].item<float>(), 1e-6);
        Assert.AreEqual(0.3, results[0].Scores[1].item<float>(), 1e-6);
        TorchFixture.AssertClose(tensor(new float[] { 10, 10, 30, 30, 12, 10, 32, 30 }).reshape(2, 4), results[0].PredBoxes.Tensor, 1e-5, "image 0");
        // Image b: roi 0 is background-dominated (class probs e^0 / (2 + e^10) < 0.05); roi 1 is class 1.
        CollectionAssert.AreEqual(new long[] { 1 }, results[1].PredClasses.data<long>().ToArray());
        TorchFixture.AssertClose(tensor(new float[] { 50, 20, 60, 40 }).reshape(1, 4), results[1].PredBoxes.Tensor, 1e-5, "image 1");
    }
}
