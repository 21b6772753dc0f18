using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.AnchorGenerators;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.ProposalGenerators;

/// <summary>
/// A two-level RPN small enough to work out by hand. Level "p2" (stride 4, 2x2 map) has one 8x8 anchor per position,
/// "p3" (stride 8, 1x1 map) one 16x16 anchor; offset 0, so the 5 anchors in (H, W, A) order are
/// a0 (-4,-4,4,4), a1 (0,-4,8,4), a2 (-4,0,4,8), a3 (0,0,8,8), a4 (-8,-8,8,8).
/// The head's 3x3 conv copies its 5 input channels (centre tap 1, so non-negative features pass the ReLU), the
/// objectness conv outputs channel 0 minus 1 and the delta conv channels 1..4 minus 0.5: the features set every logit
/// and delta directly.
/// </summary>
internal static class TinyRpn
{
    public static readonly float[,] Anchors =
    {
        { -4, -4, 4, 4 }, { 0, -4, 8, 4 }, { -4, 0, 4, 8 }, { 0, 0, 8, 8 }, { -8, -8, 8, 8 },
    };

    public static Rpn Create(double boundaryThresh = -1, int batchSizePerImage = 256, string lossType = "smooth_l1",
        (double, double)? lossWeight = null)
    {
        var anchors = new DefaultAnchorGenerator([[8.0], [16.0]], [[1.0]], [4, 8]);
        var head = new StandardRpnHead(5, 1);
        SetHead(head);
        return new Rpn(["p2", "p3"], head, anchors,
            new Matcher([0.3, 0.7], [0, -1, 1], allowLowQualityMatches: true),
            new Box2BoxTransform((1, 1, 1, 1)),
            batchSizePerImage, 0.5, (2000, 1000), (1000, 1000), nmsThresh: 0.7, minBoxSize: 0,
            anchorBoundaryThresh: boundaryThresh, lossWeight: lossWeight, boxRegLossType: lossType);
    }

    private static void SetHead(StandardRpnHead head)
    {
        var p = head.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using var _ = no_grad();
        var conv = zeros(5, 5, 3, 3);
        for (int c = 0; c < 5; c++) conv[c, c, 1, 1] = tensor(1f);
        p["conv.weight"].copy_(conv);
        p["conv.bias"].zero_();
        var obj = zeros(1, 5, 1, 1);
        obj[0, 0, 0, 0] = tensor(1f);
        p["objectness_logits.weight"].copy_(obj);
        p["objectness_logits.bias"].fill_(-1);
        var del = zeros(4, 5, 1, 1);
        for (int c = 0; c < 4; c++) del[c, c + 1, 0, 0] = tensor(1f);
        p["anchor_deltas.weight"].copy_(del);
        p["anchor_deltas.bias"].fill_(-0.5);
    }

    /// <summary>
    /// Image 0 logits: a0 0.5, a1 2.0, a2 -0.5, a3 1.5, a4 -1.0; a3's deltas (0.1, -0.2, 0.5, 0.0).
    /// Image 1 logits: a0 0.0, a1 -0.8, a2 1.0, a3 0.7, a4 0.3. Other deltas are arbitrary non-negative values.
    /// </summary>
    public static Dictionary<string, Tensor> Features()
    {
        var p2 = tensor(new float[]
        {
            // image 0: channel 0 = logit + 1 on the 2x2 grid (rows y=0, y=4), channels 1..4 = delta + 0.5
            1.5f, 3.0f, 0.5f, 2.5f,
            0.9f, 0.2f, 0.7f, 0.6f,
            0.1f, 0.4f, 0.8f, 0.3f,
            0.5f, 0.9f, 0.6f, 1.0f,
            0.2f, 0.3f, 0.7f, 0.5f,
            // image 1
            1.0f, 0.2f, 2.0f, 1.7f,
            0.4f, 0.6f, 0.5f, 0.8f,
            0.7f, 0.1f, 0.9f, 0.5f,
            0.3f, 0.5f, 0.2f, 0.6f,
            0.6f, 0.8f, 0.4f, 0.5f,
        }).reshape(2, 5, 2, 2);
        var p3 = tensor(new float[] { 0.0f, 0.3f, 0.6f, 0.4f, 0.9f, 1.3f, 0.5f, 0.2f, 0.7f, 0.4f }).reshape(2, 5, 1, 1);
        return new Dictionary<string, Tensor> { ["p2"] = p2, ["p3"] = p3 };
    }

    public static ImageList Images() => new(zeros(2, 3, 8, 8), [(8, 8), (8, 8)]);

    public static Instances Gt(int height, int width, params float[][] boxes)
    {
        var t = boxes.Length == 0 ? zeros(0, 4) : tensor(boxes.SelectMany(b => b).ToArray()).reshape(boxes.Length, 4);
        return new Instances(height, width) { GtBoxes = new Boxes(t) };
    }

    public static List<Boxes> AnchorList(Rpn rpn, Dictionary<string, Tensor> features) =>
        rpn.AnchorGenerator.Forward([features["p2"], features["p3"]]);
}
