using Rcnn.Training.Config;
using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.MetaArch;

[TestClass]
public class MetaArchFromConfigTests
{
    private static RcnnConfig Cpu(params string[] overrides)
    {
        var cfg = RcnnConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "models", "CPU", "faster_rcnn_R_18_FPN_cpu.yaml"));
        cfg.MergeFromList(overrides);
        return cfg;
    }

    private static DetectionInput Input(int h, int w, int? origH = null, int? origW = null) =>
        new(rand(3, h, w) * 255, new Instances(h, w)
        {
            GtBoxes = new Boxes(tensor(new float[,] { { 4, 6, 40, 30 }, { 20, 10, 60, 50 } })),
            GtClasses = tensor(new long[] { 0, 2 }),
        }, Height: origH, Width: origW);

    [TestMethod]
    public void GeneralizedRcnnTrainsWithDetectron2LossKeysAndInfersInCallerPixels()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = (GeneralizedRcnn)ModelRegistries.Default.BuildModel(Cpu("MODEL.ROI_HEADS.NUM_CLASSES", "3"));
        model.train();
        var losses = model.Losses(new[] { Input(64, 96), Input(80, 64) });
        CollectionAssert.AreEquivalent(new[] { "loss_rpn_cls", "loss_rpn_loc", "loss_cls", "loss_box_reg" }, losses.Keys.ToArray());
        var total = losses.Values.Aggregate((a, b) => a + b);
        total.backward();
        Assert.IsTrue(model.parameters().Where(p => p.requires_grad).All(p => p.grad is not null), "every trainable parameter gets a gradient");

        model.eval();
        using (no_grad())
        {
            // Lower the threshold so an untrained model still returns boxes to check the rescaling on.
            var cfg = Cpu("MODEL.ROI_HEADS.NUM_CLASSES", "3", "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0");
            var m2 = (GeneralizedRcnn)ModelRegistries.Default.BuildModel(cfg);
            m2.load_state_dict(model.state_dict());
            m2.eval();
            var outs = m2.Inference(new[] { Input(64, 96, origH: 128, origW: 192) });
            Assert.AreEqual((128, 192), outs[0].ImageSize);
            Assert.IsTrue(outs[0].Count > 0);
            var b = outs[0].PredBoxes.Tensor;
            Assert.IsTrue(b[.., 2].max().item<float>() <= 192 && b[.., 3].max().item<float>() <= 128);
            Assert.IsTrue(outs[0].PredClasses.max().item<long>() < 3);
        }
        Assert.ThrowsExactly<InvalidOperationException>(() => model.Losses(new[] { Input(64, 96) }));
    }

    [TestMethod]
    public void AnImageWithNoBoxLeftTrainsAsBackground()
    {
        // INPUT.CROP can leave an image with no box: the RPN and the box head take all its samples as background.
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = (GeneralizedRcnn)ModelRegistries.Default.BuildModel(Cpu("MODEL.ROI_HEADS.NUM_CLASSES", "3"));
        model.train();
        var empty = new DetectionInput(rand(3, 64, 96) * 255, new Instances(64, 96)
        {
            GtBoxes = new Boxes(zeros(0, 4)),
            GtClasses = zeros(0, dtype: ScalarType.Int64),
        });
        var losses = model.Losses(new[] { empty, Input(64, 96) });
        foreach (var (k, v) in losses) Assert.IsTrue(float.IsFinite(v.item<float>()), $"{k} = {v.item<float>()}");
        losses.Values.Aggregate((a, b) => a + b).backward();
        var alone = model.Losses(new[] { empty });
        Assert.AreEqual(0f, alone["loss_rpn_loc"].item<float>());  // no foreground anchor, nothing to regress
        Assert.AreEqual(0f, alone["loss_box_reg"].item<float>());
        Assert.IsTrue(alone["loss_cls"].item<float>() > 0 && alone["loss_rpn_cls"].item<float>() > 0);
    }

    [TestMethod]
    public void ProposalNetworkAndPrecomputedProposalsBuildFromConfig()
    {
        using var scope = NewDisposeScope();
        var rpnOnly = (ProposalNetwork)ModelRegistries.Default.BuildModel(Cpu("MODEL.META_ARCHITECTURE", "ProposalNetwork"));
        rpnOnly.train();
        CollectionAssert.AreEquivalent(new[] { "loss_rpn_cls", "loss_rpn_loc" }, rpnOnly.Losses(new[] { Input(64, 96) }).Keys.ToArray());
        rpnOnly.eval();
        var proposals = rpnOnly.Inference(new[] { Input(64, 96, 32, 48) })[0];
        Assert.AreEqual((32, 48), proposals.ImageSize);
        Assert.IsTrue(proposals.Has(Instances.ObjectnessLogitsField));

        var fast = (GeneralizedRcnn)ModelRegistries.Default.BuildModel(Cpu("MODEL.PROPOSAL_GENERATOR.NAME", "PrecomputedProposals"));
        Assert.IsNull(fast.ProposalGenerator);
        fast.eval();
        var given = new Instances(64, 96) { ProposalBoxes = new Boxes(tensor(new float[,] { { 0, 0, 30, 30 }, { 10, 10, 60, 50 } })), ObjectnessLogits = zeros(2) };
        var input = new DetectionInput(rand(3, 64, 96) * 255, Proposals: given);
        Assert.AreEqual(1, fast.Inference(new[] { input }).Count);
        var e = Assert.ThrowsExactly<ArgumentException>(() => fast.Inference(new[] { Input(64, 96) }));
        StringAssert.Contains(e.Message, "PrecomputedProposals");
    }
}
