using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Registry;

[TestClass]
public class RegistryTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void BuildUsesTheNameFromTheRegistrysConfigKey()
    {
        var regs = new ModelRegistries();
        ShapeSpec? seen = null;
        regs.RoiBoxHead.Register("TinyHead", (cfg, shape) =>
        {
            seen = shape;
            return nn.Linear(shape.Channels, cfg.Model.RoiBoxHead.FcDim);
        });
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["MODEL.ROI_BOX_HEAD.NAME", "TinyHead", "MODEL.ROI_BOX_HEAD.FC_DIM", "5"]);
        using var m = (nn.Module<Tensor, Tensor>)regs.RoiBoxHead.Build(cfg, new ShapeSpec(3, 16));
        Assert.AreEqual(new ShapeSpec(3, 16), seen);
        using var y = m.forward(torch.zeros(2, 3));
        CollectionAssert.AreEqual(new long[] { 2, 5 }, y.shape);
    }

    [TestMethod]
    public void RegistriesAreTiedToDetectron2Keys()
    {
        var regs = new ModelRegistries();
        var expected = new Dictionary<RegistryKind, (string, string, Type)>
        {
            [RegistryKind.MetaArch] = ("META_ARCH", "MODEL.META_ARCHITECTURE", typeof(NoInput)),
            [RegistryKind.Backbone] = ("BACKBONE", "MODEL.BACKBONE.NAME", typeof(ShapeSpec)),
            [RegistryKind.ProposalGenerator] = ("PROPOSAL_GENERATOR", "MODEL.PROPOSAL_GENERATOR.NAME", typeof(IReadOnlyDictionary<string, ShapeSpec>)),
            [RegistryKind.RpnHead] = ("RPN_HEAD", "MODEL.RPN.HEAD_NAME", typeof(IReadOnlyList<ShapeSpec>)),
            [RegistryKind.AnchorGenerator] = ("ANCHOR_GENERATOR", "MODEL.ANCHOR_GENERATOR.NAME", typeof(IReadOnlyList<ShapeSpec>)),
            [RegistryKind.RoiHeads] = ("ROI_HEADS", "MODEL.ROI_HEADS.NAME", typeof(IReadOnlyDictionary<string, ShapeSpec>)),
            [RegistryKind.RoiBoxHead] = ("ROI_BOX_HEAD", "MODEL.ROI_BOX_HEAD.NAME", typeof(ShapeSpec)),
        };
        foreach (var (kind, (name, key, input)) in expected)
        {
            Assert.AreEqual(name, regs[kind].Name);
            Assert.AreEqual(key, regs[kind].ConfigKey);
            Assert.AreEqual(input, regs[kind].InputType);
        }
    }

    [TestMethod]
    public void BackboneInputDefaultsToOneChannelPerPixelMean()
    {
        var regs = new ModelRegistries();
        ShapeSpec seen = default;
        regs.Backbone.Register("build_resnet_backbone", (_, s) => { seen = s; return nn.Identity(); });
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["MODEL.PIXEL_MEAN", "[127.0]", "MODEL.PIXEL_STD", "[1.0]"]);
        using var _ = regs.BuildBackbone(cfg);
        Assert.AreEqual(1, seen.Channels);
    }

    [TestMethod]
    public void MetaArchBuildsFromConfigAlone()
    {
        var regs = new ModelRegistries();
        regs.MetaArch.Register("GeneralizedRCNN", (_, _) => nn.Identity());
        using var m = regs.BuildModel(new RcnnConfig());
        Assert.IsNotNull(m);
    }

    [TestMethod]
    public void UnknownNameListsRegisteredNamesAndSuggests()
    {
        var regs = new ModelRegistries();
        regs.RpnHead.Register("StandardRPNHead", (_, _) => nn.Identity());
        regs.RpnHead.Register("OtherHead", (_, _) => nn.Identity());
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["MODEL.RPN.HEAD_NAME", "StandardRPNHed"]);
        var e = Assert.ThrowsExactly<ConfigException>(() => regs.RpnHead.Build(cfg, [new ShapeSpec(8, 4)]));
        StringAssert.Contains(e.Message, "'MODEL.RPN.HEAD_NAME' names 'StandardRPNHed'");
        StringAssert.Contains(e.Message, "RPN_HEAD registry");
        StringAssert.Contains(e.Message, "Registered: 'OtherHead', 'StandardRPNHead'.");
        StringAssert.Contains(e.Message, "Did you mean 'StandardRPNHead'?");
        Assert.AreEqual("MODEL.RPN.HEAD_NAME", e.Key);
    }

    [TestMethod]
    public void DuplicateRegistrationIsAnError()
    {
        var regs = new ModelRegistries();
        regs.AnchorGenerator.Register("DefaultAnchorGenerator", (_, _) => nn.Identity());
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            regs.AnchorGenerator.Register("DefaultAnchorGenerator", (_, _) => nn.Identity()));
        StringAssert.Contains(e.Message, "'DefaultAnchorGenerator' is already registered in the ANCHOR_GENERATOR registry");
    }

    [TestMethod]
    public void DuplicateAcrossAttributeAndExplicitRegistrationIsAnError()
    {
        var regs = new ModelRegistries();
        regs.RoiBoxHead.Register(Rcnn.Tests.UserPlugin.UserFcBoxHead.RegisteredName, (_, _) => nn.Identity());
        var e = Assert.ThrowsExactly<ArgumentException>(() => regs.RegisterAssembly(typeof(Rcnn.Tests.UserPlugin.UserFcBoxHead).Assembly));
        StringAssert.Contains(e.Message, "already registered");
        StringAssert.Contains(e.Message, "Rcnn.Tests.UserPlugin.UserFcBoxHead");
    }

    [TestMethod]
    public void TypeWithoutFromConfigCannotBeRegistered()
    {
        var regs = new ModelRegistries();
        var e = Assert.ThrowsExactly<ArgumentException>(() => regs.RpnHead.RegisterType("X", typeof(NoFactory)));
        StringAssert.Contains(e.Message, "FromConfig(RcnnConfig, IReadOnlyList<ShapeSpec>)");
        e = Assert.ThrowsExactly<ArgumentException>(() => regs.RoiBoxHead.RegisterType("Y", typeof(WrongInput)));
        StringAssert.Contains(e.Message, "FromConfig(RcnnConfig, ShapeSpec)");
    }

    private sealed class NoFactory;

    private sealed class WrongInput
    {
        public static nn.Module FromConfig(RcnnConfig cfg, int channels) => nn.Identity();
    }
}
