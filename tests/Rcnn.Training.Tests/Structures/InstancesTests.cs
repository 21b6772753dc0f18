using Rcnn.Training.Structures;
using TorchSharp;
using static Rcnn.Training.Tests.Structures.FixtureJson;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Structures;

[TestClass]
public class InstancesTests
{
    // Three ground-truth instances: box i is [i, i, i+1, i+1], class 10 * i.
    private static Instances ThreeGt()
    {
        var inst = new Instances(480, 640);
        inst.GtBoxes = new Boxes(tensor(new float[] { 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3 }).reshape(3, 4));
        inst.GtClasses = tensor(new long[] { 0, 10, 20 });
        return inst;
    }

    private static long[] Classes(Instances inst) => inst.GtClasses.data<long>().ToArray();

    private static float[] FirstCorners(Instances inst) => inst.GtBoxes.Tensor[.., 0].data<float>().ToArray();

    [TestMethod]
    public void FieldsCanBeSetReadCheckedAndRemoved()
    {
        using var scope = NewDisposeScope();
        var inst = ThreeGt();
        Assert.AreEqual((480, 640), inst.ImageSize);
        Assert.AreEqual(3, inst.Count);
        CollectionAssert.AreEqual(new[] { "gt_boxes", "gt_classes" }, inst.FieldNames.ToArray());
        Assert.IsTrue(inst.Has("gt_classes"));
        Assert.IsInstanceOfType<Boxes>(inst.Get("gt_boxes"));
        Assert.AreSame(inst.GtClasses, inst.GetTensor("gt_classes"));

        inst.Set("scores", tensor(new[] { 0.5f, 0.25f, 0.125f }));
        Assert.AreEqual(0.25f, inst.Scores[1].item<float>());
        inst.Remove("scores");
        Assert.IsFalse(inst.Has("scores"));
        Assert.ThrowsExactly<KeyNotFoundException>(() => inst.Remove("scores"));
        var missing = Assert.ThrowsExactly<KeyNotFoundException>(() => inst.PredBoxes);
        StringAssert.Contains(missing.Message, "pred_boxes");
        var wrongType = Assert.ThrowsExactly<InvalidOperationException>(() => inst.GetBoxes("gt_classes"));
        StringAssert.Contains(wrongType.Message, "gt_classes");
    }

    [TestMethod]
    public void TypedAccessorsUseDetectron2FieldNames()
    {
        using var scope = NewDisposeScope();
        var inst = new Instances(10, 20)
        {
            ProposalBoxes = new Boxes(zeros(2, 4)),
            ObjectnessLogits = zeros(2),
            PredBoxes = new Boxes(ones(2, 4)),
            Scores = ones(2),
            PredClasses = zeros(2, dtype: ScalarType.Int64),
        };
        CollectionAssert.AreEqual(
            new[] { "proposal_boxes", "objectness_logits", "pred_boxes", "scores", "pred_classes" }, inst.FieldNames.ToArray());
        Assert.AreSame(inst.Get("pred_boxes"), inst.PredBoxes);
    }

    [TestMethod]
    public void FieldOfDifferentLengthIsRejectedWithNameAndLengths()
    {
        using var scope = NewDisposeScope();
        var inst = ThreeGt();
        var e = Assert.ThrowsExactly<ArgumentException>(() => inst.Set("scores", zeros(5)));
        StringAssert.Contains(e.Message, "'scores'");
        StringAssert.Contains(e.Message, "length 5");
        StringAssert.Contains(e.Message, "3 instances");
        Assert.IsFalse(inst.Has("scores"));
        Assert.ThrowsExactly<ArgumentException>(() => inst.Set("scores", tensor(1f)));
        Assert.ThrowsExactly<InvalidOperationException>(() => new Instances(1, 1).Count);
    }

    [TestMethod]
    public void IndexingByMaskIndicesAndIntIndexesEveryField()
    {
        using var scope = NewDisposeScope();
        var inst = ThreeGt();

        var masked = inst[tensor(new[] { true, false, true })];
        Assert.AreEqual(2, masked.Count);
        Assert.AreEqual(inst.ImageSize, masked.ImageSize);
        CollectionAssert.AreEqual(new long[] { 0, 20 }, Classes(masked));
        CollectionAssert.AreEqual(new float[] { 0, 2 }, FirstCorners(masked));

        var picked = inst[tensor(new long[] { 2, 1, 2 })];
        CollectionAssert.AreEqual(new long[] { 20, 10, 20 }, Classes(picked));
        CollectionAssert.AreEqual(new float[] { 2, 1, 2 }, FirstCorners(picked));

        var last = inst[-1];
        Assert.AreEqual(1, last.Count);
        CollectionAssert.AreEqual(new long[] { 20 }, Classes(last));
        CollectionAssert.AreEqual(new long[] { 1, 4 }, last.GtBoxes.Tensor.shape);
        CollectionAssert.AreEqual(new long[] { 10 }, Classes(inst[1]));

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => inst[3]);
        Assert.ThrowsExactly<ArgumentException>(() => inst[tensor(new[] { true, false })]);
        Assert.ThrowsExactly<ArgumentException>(() => inst[tensor(new[] { 1f })]);

        var none = inst[tensor(new[] { false, false, false })];
        Assert.AreEqual(0, none.Count);
        CollectionAssert.AreEqual(new long[] { 0, 4 }, none.GtBoxes.Tensor.shape);
    }

    [TestMethod]
    public void CatConcatenatesEveryFieldInOrder()
    {
        using var scope = NewDisposeScope();
        var a = ThreeGt();
        var b = ThreeGt()[tensor(new long[] { 1 })];
        var empty = ThreeGt()[tensor(new[] { false, false, false })];
        var cat = Instances.Cat([a, empty, b]);
        Assert.AreEqual(4, cat.Count);
        CollectionAssert.AreEqual(new long[] { 0, 10, 20, 10 }, Classes(cat));
        CollectionAssert.AreEqual(new float[] { 0, 1, 2, 1 }, FirstCorners(cat));
        Assert.AreSame(a, Instances.Cat([a]));
        Assert.AreEqual(0, Instances.Cat([empty, empty]).Count);
    }

    [TestMethod]
    public void CatRejectsDifferentImagesOrFields()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => Instances.Cat([]));
        var other = new Instances(480, 641) { GtBoxes = Boxes.Empty(), GtClasses = zeros(0, dtype: ScalarType.Int64) };
        var size = Assert.ThrowsExactly<ArgumentException>(() => Instances.Cat([ThreeGt(), other]));
        StringAssert.Contains(size.Message, "(480, 641)");
        var fewer = ThreeGt();
        fewer.Remove("gt_classes");
        var fields = Assert.ThrowsExactly<ArgumentException>(() => Instances.Cat([ThreeGt(), fewer]));
        StringAssert.Contains(fields.Message, "gt_classes");
        var mixed = new Instances(480, 640) { GtBoxes = Boxes.Empty() };
        mixed.Set("gt_classes", Boxes.Empty());
        Assert.ThrowsExactly<ArgumentException>(() => Instances.Cat([ThreeGt(), mixed]));
    }

    [TestMethod]
    public void ToStringListsFieldsAndShapes()
    {
        using var scope = NewDisposeScope();
        Assert.AreEqual(
            "Instances(num_instances=3, image_height=480, image_width=640, fields=[gt_boxes: Boxes(shape=[3, 4]), gt_classes: Tensor(shape=[3], dtype=Int64)])",
            ThreeGt().ToString());
        Assert.AreEqual("Instances(image_height=1, image_width=2, fields=[])", new Instances(1, 2).ToString());
    }

    [TestMethod]
    public void ToMovesEveryField()
    {
        using var scope = NewDisposeScope();
        var moved = ThreeGt().To(CPU);
        CollectionAssert.AreEqual(new[] { "gt_boxes", "gt_classes" }, moved.FieldNames.ToArray());
        AssertClose(ThreeGt().GtBoxes.Tensor, moved.GtBoxes.Tensor, 0, "boxes");
    }
}
