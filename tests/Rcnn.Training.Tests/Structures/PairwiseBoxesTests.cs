using Rcnn.Training.Structures;
using TorchSharp;
using static Rcnn.Training.Tests.Structures.FixtureJson;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Structures;

[TestClass]
public class PairwiseBoxesTests
{
    private static Boxes Make(params float[][] rows) =>
        new(rows.Length == 0 ? zeros(0, 4) : tensor(rows.SelectMany(r => r).ToArray()).reshape(rows.Length, 4));

    [TestMethod]
    public void HandComputedIntersectionIouAndIoa()
    {
        using var scope = NewDisposeScope();
        var a = Make([0, 0, 2, 2]);
        // Against: overlap of 1x1, edge-touching, identical, contained 1x1, far away.
        var b = Make([1, 1, 3, 3], [2, 0, 4, 2], [0, 0, 2, 2], [0, 0, 1, 1], [10, 10, 11, 11]);

        AssertClose(tensor(new float[] { 1, 0, 4, 1, 0 }).reshape(1, 5), Boxes.PairwiseIntersection(a, b), 0, "intersection");
        // IoU = inter / (4 + area_b - inter): 1/7, 0, 4/4, 1/4, 0.
        AssertClose(tensor(new[] { 1f / 7, 0, 1, 0.25f, 0 }).reshape(1, 5), Boxes.PairwiseIou(a, b), 1e-7, "iou");
        // IoA divides by the second argument's areas (4, 4, 4, 1, 1): 1/4, 0, 1, 1, 0.
        AssertClose(tensor(new[] { 0.25f, 0, 1, 1, 0 }).reshape(1, 5), Boxes.PairwiseIoa(a, b), 1e-7, "ioa(a, b)");
        // Swapped, it divides by a's area 4: 1/4, 0, 1, 1/4, 0.
        AssertClose(tensor(new[] { 0.25f, 0, 1, 0.25f, 0 }).reshape(5, 1), Boxes.PairwiseIoa(b, a), 1e-7, "ioa(b, a)");
    }

    [TestMethod]
    public void ResultIsNByM()
    {
        using var scope = NewDisposeScope();
        var a = Make([0, 0, 2, 2], [1, 1, 2, 2]);
        var b = Make([0, 0, 1, 1], [0, 0, 2, 2], [5, 5, 6, 6]);
        var iou = Boxes.PairwiseIou(a, b);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, iou.shape);
        // Row 1 = [1,1,2,2] (area 1): vs [0,0,1,1] touching at a corner -> 0; inside [0,0,2,2] -> 1/4; far -> 0.
        AssertClose(tensor(new[] { 0.25f, 1, 0, 0, 0.25f, 0 }).reshape(2, 3), iou, 1e-7, "iou");
    }

    [TestMethod]
    public void DegenerateBoxesGiveZeroNotNaN()
    {
        using var scope = NewDisposeScope();
        // A point, a zero-width line and a zero-height line, each against itself and each other: torchvision gives 0/0.
        var boxes = Make([3, 3, 3, 3], [1, 0, 1, 5], [0, 2, 5, 2]);
        AssertClose(zeros(3, 3), Boxes.PairwiseIou(boxes, boxes), 0, "iou");
        AssertClose(zeros(3, 3), Boxes.PairwiseIoa(boxes, boxes), 0, "ioa");
        AssertClose(zeros(3, 3), Boxes.PairwiseIntersection(boxes, boxes), 0, "intersection");
    }

    [TestMethod]
    public void EmptyInputsGiveEmptyMatrices()
    {
        using var scope = NewDisposeScope();
        var some = Make([0, 0, 1, 1], [0, 0, 2, 2]);
        CollectionAssert.AreEqual(new long[] { 0, 2 }, Boxes.PairwiseIou(Boxes.Empty(), some).shape);
        CollectionAssert.AreEqual(new long[] { 2, 0 }, Boxes.PairwiseIou(some, Boxes.Empty()).shape);
        CollectionAssert.AreEqual(new long[] { 2, 0 }, Boxes.PairwiseIoa(some, Boxes.Empty()).shape);
        CollectionAssert.AreEqual(new long[] { 0, 0 }, Boxes.PairwiseIntersection(Boxes.Empty(), Boxes.Empty()).shape);
    }

    [TestMethod]
    public void MatchesTorchvisionBoxIouOnFixture()
    {
        using var scope = NewDisposeScope();
        var json = Load("structures_pairwise.json");
        var a = new Boxes(ToTensor(json.GetProperty("boxes1")));
        var b = new Boxes(ToTensor(json.GetProperty("boxes2")));
        var expected = ToTensor(json.GetProperty("iou"));
        var iou = Boxes.PairwiseIou(a, b);

        // torchvision's NaNs (0/0 for two zero-area boxes) must be 0 here, as detectron2's pairwise_iou.
        var nan = expected.isnan();
        Assert.IsTrue(nan.any().item<bool>(), "the fixture is meant to hold 0/0 pairs");
        Assert.IsTrue(iou[nan].eq(0).all().item<bool>(), "0/0 pairs must give 0");
        AssertClose(expected.nan_to_num(0), iou, 1e-6, "iou vs torchvision.ops.box_iou");
        Assert.AreEqual(1f, iou[3, 0].item<float>(), "identical boxes");

        var inter = Boxes.PairwiseIntersection(a, b);
        AssertClose(ToTensor(json.GetProperty("intersection")), inter, 1e-4, "intersection vs torchvision _box_inter_union");

        // IoA = intersection / area of the second boxes, where they overlap.
        var areas = b.Area();
        var ioa = Boxes.PairwiseIoa(a, b);
        var overlapping = inter.gt(0);
        AssertClose((inter / areas)[overlapping], ioa[overlapping], 1e-6, "ioa where overlapping");
        Assert.IsTrue(ioa[overlapping.logical_not()].eq(0).all().item<bool>(), "ioa elsewhere");
    }
}
