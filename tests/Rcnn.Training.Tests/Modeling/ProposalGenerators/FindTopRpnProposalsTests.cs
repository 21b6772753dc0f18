using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.ProposalGenerators;

[TestClass]
public class FindTopRpnProposalsTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    private static Tensor Level(float[][] boxes) => tensor(boxes.SelectMany(b => b).ToArray()).reshape(1, boxes.Length, 4);

    private static Tensor Logits(params float[] logits) => tensor(logits).reshape(1, logits.Length);

    private static float[] Flat(Tensor t) => t.contiguous().data<float>().ToArray();

    [TestMethod]
    public void TopkClipMinSizePerLevelNmsAndPostTopk()
    {
        // Image 20 high x 30 wide; pre-NMS top 4 per level, min size 1, NMS 0.5, post-NMS top 4.
        // Level 0 (logit): b4 (15,15,19,19) 2.0, b1 (1,1,11,11) 4.0, b5 (0,12,5,18) 1.0, b0 (0,0,10,10) 5.0,
        //   b3 (2,12,8,19) 2.8, b2 (20,5,40,15) 3.0. Top 4: b0, b1, b2, b3 (b4, b5 never reach NMS).
        //   b1 overlaps b0 with IoU 81/119 = 0.68 > 0.5: suppressed. b2 clips to (20,5,30,15).
        // Level 1: c0 (0,0,10,10.5) 4.5 overlaps b0 (IoU 0.95) but is on another level, so it stays;
        //   c1 (-5,-5,0.5,8) 6.0 clips to width 0.5 <= 1: dropped; c2 (25,18,35,30) 3.5 clips to (25,18,30,20);
        //   c3 (12,12,13,17) 5.5 has width exactly 1: dropped.
        // Survivors by logit: b0 5.0, c0 4.5, c2 3.5, b2 3.0, b3 2.8; the post top 4 drops b3.
        using var scope = NewDisposeScope();
        var level0 = Level([[15, 15, 19, 19], [1, 1, 11, 11], [0, 12, 5, 18], [0, 0, 10, 10], [2, 12, 8, 19], [20, 5, 40, 15]]);
        var level1 = Level([[0, 0, 10, 10.5f], [-5, -5, 0.5f, 8], [25, 18, 35, 30], [12, 12, 13, 17]]);
        var result = ProposalUtils.FindTopRpnProposals([level0, level1],
            [Logits(2.0f, 4.0f, 1.0f, 5.0f, 2.8f, 3.0f), Logits(4.5f, 6.0f, 3.5f, 5.5f)],
            [(20, 30)], nmsThresh: 0.5, preNmsTopk: 4, postNmsTopk: 4, minBoxSize: 1.0, training: false);

        Assert.AreEqual(1, result.Count);
        Assert.AreEqual((20, 30), result[0].ImageSize);
        CollectionAssert.AreEqual(new[] { 5.0f, 4.5f, 3.5f, 3.0f }, Flat(result[0].ObjectnessLogits));
        CollectionAssert.AreEqual(new float[] { 0, 0, 10, 10, 0, 0, 10, 10.5f, 25, 18, 30, 20, 20, 5, 30, 15 },
            Flat(result[0].ProposalBoxes.Tensor));
        // The inputs are left untouched (clipping works on a copy).
        Assert.AreEqual(40f, level0[0, 5, 2].item<float>());
    }

    [TestMethod]
    public void EachImageIsFilteredAgainstItsOwnSize()
    {
        // The same two boxes in both images: (0,0,10,10) logit 2 and (12,0,20,8) logit 1. Image 1 is only 10 wide,
        // so its second box clips to zero width and is dropped.
        using var scope = NewDisposeScope();
        var boxes = tensor(new float[] { 0, 0, 10, 10, 12, 0, 20, 8 }).reshape(1, 2, 4).expand(2, -1, -1).contiguous();
        var logits = tensor(new float[] { 2, 1, 2, 1 }).reshape(2, 2);
        var result = ProposalUtils.FindTopRpnProposals([boxes], [logits], [(30, 30), (30, 10)], 0.7, 10, 10, 0, false);
        CollectionAssert.AreEqual(new float[] { 0, 0, 10, 10, 12, 0, 20, 8 }, Flat(result[0].ProposalBoxes.Tensor));
        CollectionAssert.AreEqual(new float[] { 0, 0, 10, 10 }, Flat(result[1].ProposalBoxes.Tensor));
        Assert.AreEqual((30, 10), result[1].ImageSize);
    }

    private static (Tensor Boxes, Tensor Logits) NonFiniteInputs() =>
    (
        // (0,0,10,10) 1.0; a NaN box with logit 2.0; a finite box with an infinite logit; (12,0,18,6) 0.5.
        Level([[0, 0, 10, 10], [float.NaN, 0, 5, 5], [20, 0, 30, 10], [12, 0, 18, 6]]),
        Logits(1.0f, 2.0f, float.PositiveInfinity, 0.5f)
    );

    [TestMethod]
    public void NonFiniteValuesThrowInTraining()
    {
        using var scope = NewDisposeScope();
        var (boxes, logits) = NonFiniteInputs();
        var e = Assert.ThrowsExactly<NotFiniteNumberException>(() =>
            ProposalUtils.FindTopRpnProposals([boxes], [logits], [(40, 40)], 0.7, 10, 10, 0, training: true));
        Assert.AreEqual("Predicted boxes or scores contain Inf/NaN. Training has diverged.", e.Message);
    }

    [TestMethod]
    public void NonFiniteValuesAreDroppedInInference()
    {
        using var scope = NewDisposeScope();
        var (boxes, logits) = NonFiniteInputs();
        var result = ProposalUtils.FindTopRpnProposals([boxes], [logits], [(40, 40)], 0.7, 10, 10, 0, training: false);
        CollectionAssert.AreEqual(new float[] { 0, 0, 10, 10, 12, 0, 18, 6 }, Flat(result[0].ProposalBoxes.Tensor));
        CollectionAssert.AreEqual(new[] { 1.0f, 0.5f }, Flat(result[0].ObjectnessLogits));
    }

    [TestMethod]
    public void MismatchedShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ProposalUtils.FindTopRpnProposals(
            [zeros(1, 3, 4)], [zeros(1, 2)], [(10, 10)], 0.7, 10, 10, 0, false));
        Assert.AreEqual("predObjectnessLogits", e.ParamName);
        StringAssert.Contains(e.Message, "[1, 2]");
    }

    [TestMethod]
    public void DoesNotLeakNativeTensors()
    {
        using var outer = NewDisposeScope();
        var boxes = Level([[0, 0, 10, 10], [1, 1, 11, 11], [12, 0, 20, 8]]);
        var logits = Logits(3, 2, 1);
        List<Instances> result;
        long before = outer.DisposablesCount;
        using (var inner = NewDisposeScope())
        {
            result = ProposalUtils.FindTopRpnProposals([boxes], [logits], [(30, 30)], 0.5, 10, 10, 0, false);
            // Only the two result tensors are left in the caller's scope.
            Assert.AreEqual(2, inner.DisposablesCount);
        }
        Assert.AreEqual(before, outer.DisposablesCount);
        Assert.IsTrue(result[0].ObjectnessLogits.IsInvalid);
    }
}
