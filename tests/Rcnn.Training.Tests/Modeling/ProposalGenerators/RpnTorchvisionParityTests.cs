using Rcnn.Training.Modeling.ProposalGenerators;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.ProposalGenerators;

/// <summary>
/// FindTopRpnProposals against torchvision's RegionProposalNetwork.filter_proposals (tools/fixtures/rpn_filter_proposals.py).
/// torchvision ranks sigmoid(logit) rather than the logit, drops sides &lt; 1e-3 rather than &lt;= 0, and applies
/// score_thresh 0: the generator checks that none of this can matter for these inputs (sigmoid is monotonic and the
/// kept probabilities are distinct, no clipped side lies in (0, 1e-3], every probability is &gt;= 0).
/// </summary>
[TestClass]
public class RpnTorchvisionParityTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void KeptBoxesMatchTorchvisionFilterProposals()
    {
        using var scope = NewDisposeScope();
        var fx = TorchFixture.Load("rpn_filter_proposals.json");
        var levels = fx.GetProperty("levels").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var proposals = TorchFixture.Tensor(fx.GetProperty("proposals")).split(levels, 1);
        var objectness = TorchFixture.Tensor(fx.GetProperty("objectness")).split(levels, 1);
        var sizes = fx.GetProperty("image_sizes").EnumerateArray()
            .Select(s => (s[0].GetInt32(), s[1].GetInt32())).ToList();

        var result = ProposalUtils.FindTopRpnProposals(proposals, objectness, sizes,
            fx.GetProperty("nms_thresh").GetDouble(), fx.GetProperty("pre_nms_topk").GetInt32(),
            fx.GetProperty("post_nms_topk").GetInt32(), minBoxSize: 0, training: false);

        var expectedBoxes = fx.GetProperty("kept_boxes").EnumerateArray().ToList();
        var expectedProbs = fx.GetProperty("kept_probs").EnumerateArray().ToList();
        Assert.AreEqual(expectedBoxes.Count, result.Count);
        for (int n = 0; n < result.Count; n++)
        {
            TorchFixture.AssertClose(TorchFixture.Tensor(expectedBoxes[n]), result[n].ProposalBoxes.Tensor, 1e-5, $"image {n} boxes");
            TorchFixture.AssertClose(TorchFixture.Tensor(expectedProbs[n]), result[n].ObjectnessLogits.sigmoid(), 1e-6, $"image {n} scores");
        }
        // Image 0 is cut by the post-NMS top-k, image 1 is not.
        Assert.AreEqual(40, result[0].Count);
        Assert.IsTrue(result[1].Count < 40);
    }
}
