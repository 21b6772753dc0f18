using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.AnchorGenerators;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.ProposalGenerators;

[TestClass]
public class RpnLayoutTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    /// <summary>
    /// One level, stride 16, a 1x2 map and A = 2 anchors per position (sizes 4 and 8): anchors in (H, W, A) order are
    /// (-2,-2,2,2), (-4,-4,4,4), (14,-2,18,2), (12,-4,20,4). The head copies the single input channel (centre tap 1);
    /// logit of anchor a = feature + 10a; every anchor a = 1 gets dx = 0.25 (bias of delta channel a*4 + 0), a = 0 none.
    /// With features 1 (x=0) and 2 (x=16) the logits are 1, 11, 2, 12 and the a = 1 boxes move right by 0.25 * 8 = 2.
    /// </summary>
    private static Rpn Create()
    {
        var head = new StandardRpnHead(1, 2);
        var p = head.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using (no_grad())
        {
            p["conv.weight"].zero_();
            p["conv.weight"][0, 0, 1, 1] = tensor(1f);
            p["conv.bias"].zero_();
            p["objectness_logits.weight"].fill_(1);
            p["objectness_logits.bias"].copy_(tensor(new float[] { 0, 10 }));
            p["anchor_deltas.weight"].zero_();
            p["anchor_deltas.bias"].copy_(tensor(new float[] { 0, 0, 0, 0, 0.25f, 0, 0, 0 }));
        }
        return new Rpn(["p"], head, new DefaultAnchorGenerator([[4.0, 8.0]], [[1.0]], [16]),
            new Matcher([0.3, 0.7], [0, -1, 1], true), new Box2BoxTransform((1, 1, 1, 1)),
            256, 0.5, (100, 100), (100, 100));
    }

    [TestMethod]
    public void HeadOutputsArePairedWithAnchorsInHwaOrder()
    {
        // After clipping to 8 x 32: (0,0,2,2) 1, (0,0,6,4) 11, (14,0,18,2) 2, (14,0,22,4) 12; no pair overlaps above
        // IoU 0.7, so all four come back by decreasing logit.
        using var scope = NewDisposeScope();
        using var rpn = Create();
        rpn.eval();
        var features = new Dictionary<string, Tensor> { ["p"] = tensor(new float[] { 1, 2 }).reshape(1, 1, 1, 2) };
        var (proposals, _) = rpn.Forward(new ImageList(zeros(1, 3, 8, 32), [(8, 32)]), features);
        CollectionAssert.AreEqual(new float[] { 12, 11, 2, 1 }, proposals[0].ObjectnessLogits.data<float>().ToArray());
        CollectionAssert.AreEqual(new float[] { 14, 0, 22, 4, 0, 0, 6, 4, 14, 0, 18, 2, 0, 0, 2, 2 },
            proposals[0].ProposalBoxes.Tensor.data<float>().ToArray());
    }

    [TestMethod]
    public void ForwardLeavesOnlyItsResultsInTheCallersScope()
    {
        using var outer = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        rpn.train();
        var images = TinyRpn.Images();
        var features = TinyRpn.Features();
        var gt = new List<Instances> { TinyRpn.Gt(8, 8, [0, 0, 8, 6]), TinyRpn.Gt(8, 8) };
        using var inner = NewDisposeScope();
        var (proposals, losses) = rpn.Forward(images, features, gt);
        // Two losses, and per image one box tensor and one logit tensor.
        Assert.AreEqual(2 + 2 * proposals.Count, inner.DisposablesCount);
        Assert.AreEqual(2, losses.Count);
    }
}
