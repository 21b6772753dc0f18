using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.MetaArch;

[TestClass]
public class PostprocessingTests
{
    [TestMethod]
    public void ScalesPerAxisClipsAndDropsEmptyBoxes()
    {
        using var scope = NewDisposeScope();
        // Model input 400x600 (h x w) for an original 800x900 image: x scales by 1.5, y by 2.
        var r = new Instances(400, 600)
        {
            PredBoxes = new Boxes(tensor(new float[,] { { 10, 20, 110, 70 }, { 590, 390, 700, 500 }, { 599.5f, 10, 650, 50 } })),
            Scores = tensor(new[] { 0.9f, 0.8f, 0.7f }),
            PredClasses = tensor(new long[] { 0, 2, 1 }),
        };
        var o = Postprocessing.DetectorPostprocess(r, 800, 900);
        Assert.AreEqual((800, 900), o.ImageSize);
        // Box 0: (15, 40, 165, 140). Box 1: (885, 780, 1050, 1000) clipped to (885, 780, 900, 800).
        // Box 2: x0 = 899.25, x1 = 975 -> clipped to (899.25, 20, 900, 100): still 0.75 px wide, kept.
        CollectionAssert.AreEqual(new[] { 15f, 40f, 165f, 140f, 885f, 780f, 900f, 800f, 899.25f, 20f, 900f, 100f },
            o.PredBoxes.Tensor.flatten().data<float>().ToArray());
        var gone = new Instances(400, 600) { PredBoxes = new Boxes(tensor(new float[,] { { 600, 10, 700, 50 } })), Scores = tensor(new[] { 0.5f }) };
        Assert.AreEqual(0, Postprocessing.DetectorPostprocess(gone, 400, 600).Count, "a box wholly right of the image clips to zero width");
        // The caller's Instances are untouched.
        Assert.AreEqual(10f, r.PredBoxes.Tensor[0, 0].item<float>());
    }

    [TestMethod]
    public void NormalizerSubtractsMeanDividesStdAndPadsWithZeros()
    {
        using var scope = NewDisposeScope();
        var backbone = Rcnn.Training.Modeling.Backbones.ResNet.Build(18, new[] { "res2" }, norm: "BN", res2OutChannels: 64, freezeAt: 0);
        var n = new Normalizer(new[] { 10.0, 20.0, 30.0 }, new[] { 1.0, 2.0, 5.0 });
        var img = full(3, 5, 7, 40f);
        var list = n.ToImageList(new[] { img, full(3, 6, 4, 40f) }, backbone);
        CollectionAssert.AreEqual(new long[] { 2, 3, 6, 7 }, list.Tensor.shape);
        Assert.AreEqual((40 - 10) / 1f, list.Tensor[0, 0, 0, 0].item<float>());
        Assert.AreEqual((40 - 20) / 2f, list.Tensor[0, 1, 4, 6].item<float>());
        Assert.AreEqual((40 - 30) / 5f, list.Tensor[1, 2, 5, 3].item<float>());
        Assert.AreEqual(0f, list.Tensor[1, 0, 0, 6].item<float>(), "padding is zero after normalisation");
        Assert.AreEqual((6, 4), list.ImageSizes[1]);
        Assert.ThrowsExactly<ArgumentException>(() => n.ToImageList(new[] { zeros(1, 5, 5) }, backbone));
    }
}
