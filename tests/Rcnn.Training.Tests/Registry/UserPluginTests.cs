using System.Runtime.Loader;
using Rcnn.Tests.UserPlugin;
using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using Rcnn.Training.Tests.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Registry;

/// <summary>A module defined in another assembly (Rcnn.Tests.UserPlugin) and registered only by attribute is built
/// from a YAML file through the registry.</summary>
[TestClass]
public class UserPluginTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void YamlSelectsTheUsersBoxHead()
    {
        using var dir = new TempConfigDir();
        string path = dir.Write("user.yaml", $"""
            MODEL:
              ROI_BOX_HEAD:
                NAME: "{UserFcBoxHead.RegisteredName}"
                FC_DIM: 24
                POOLER_RESOLUTION: 3
            """);
        var cfg = RcnnConfig.FromFile(path);
        var pooled = new ShapeSpec(4, Height: cfg.Model.RoiBoxHead.PoolerResolution, Width: cfg.Model.RoiBoxHead.PoolerResolution);

        using var module = ModelRegistries.Default.RoiBoxHead.Build(cfg, pooled);

        var head = module as UserFcBoxHead;
        Assert.IsNotNull(head, $"got {module.GetType()}");
        Assert.AreEqual(24, head.OutputSize);
        Assert.AreEqual(4 * 3 * 3, head.InputSize);

        // Forward against relu(x.flatten(1) @ W^T + b) computed from the head's own parameters.
        torch.manual_seed(0);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(5, 4, 3, 3);
        var y = head.forward(x);
        CollectionAssert.AreEqual(new long[] { 5, 24 }, y.shape);
        var linear = (TorchSharp.Modules.Linear)head.Fc;
        var expected = torch.clamp_min(torch.matmul(x.reshape(5, 36), linear.weight!.t()) + linear.bias!, 0);
        Assert.IsTrue(torch.allclose(y, expected, rtol: 1e-5, atol: 1e-6));
        Assert.IsTrue(y.min().item<float>() >= 0f);
    }

    [TestMethod]
    public void AssemblyLoadedLaterIsDiscovered()
    {
        // A second copy of the plugin in its own collectible load context: it is loaded only after the registries
        // start watching, so it can be found only through AppDomain.AssemblyLoad.
        string pluginPath = typeof(UserFcBoxHead).Assembly.Location;
        var context = new AssemblyLoadContext("late-plugin", isCollectible: true);
        var regs = new ModelRegistries();
        using (regs.WatchAssemblies(a => AssemblyLoadContext.GetLoadContext(a) == context))
        {
            Assert.IsFalse(regs.RoiBoxHead.Contains(UserFcBoxHead.RegisteredName));
            var late = context.LoadFromAssemblyPath(pluginPath);
            Assert.IsTrue(regs.RoiBoxHead.Contains(UserFcBoxHead.RegisteredName));

            var cfg = new RcnnConfig();
            cfg.MergeFromList(["MODEL.ROI_BOX_HEAD.NAME", UserFcBoxHead.RegisteredName, "MODEL.ROI_BOX_HEAD.FC_DIM", "6"]);
            using (var module = regs.RoiBoxHead.Build(cfg, new ShapeSpec(2)))
            {
                Assert.AreSame(late, module.GetType().Assembly);
                Assert.AreNotSame(typeof(UserFcBoxHead), module.GetType());
            }
        }
        // The process-wide registries ignore collectible assemblies, so the default copy stays the only one there.
        Assert.IsTrue(ModelRegistries.Default.RoiBoxHead.Contains(UserFcBoxHead.RegisteredName));
        context.Unload();
    }

    [TestMethod]
    public void ErrorsInALateAssemblySurfaceOnTheNextRegistryUse()
    {
        // The name is taken before the plugin loads, so registering it from AssemblyLoad fails; the load itself
        // must not throw, and the next use of the registries reports the failure (once).
        var context = new AssemblyLoadContext("late-duplicate", isCollectible: true);
        var regs = new ModelRegistries();
        regs.RoiBoxHead.Register(UserFcBoxHead.RegisteredName, (_, s) => new UserFcBoxHead(s, 1));
        using (regs.WatchAssemblies(a => AssemblyLoadContext.GetLoadContext(a) == context))
        {
            context.LoadFromAssemblyPath(typeof(UserFcBoxHead).Assembly.Location);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => regs.RoiBoxHead.Contains("anything"));
            StringAssert.Contains(e.Message, "already registered in the ROI_BOX_HEAD registry");
            Assert.IsTrue(regs.RoiBoxHead.Contains(UserFcBoxHead.RegisteredName));
        }
        context.Unload();
    }

    [TestMethod]
    public void AModelBuiltOnAPluginsOwnRegistriesTakesEveryPartFromThem()
    {
        // The plugin's copy in a collectible context is in these registries only: the process-wide ones ignore
        // collectible assemblies. The model's box head, built three levels down, must be that copy.
        var context = new AssemblyLoadContext("own-registries", isCollectible: true);
        var late = context.LoadFromAssemblyPath(typeof(UserFcBoxHead).Assembly.Location);
        var regs = new ModelRegistries();
        regs.RegisterAssembly(typeof(Rcnn.Training.Modeling.MetaArch.GeneralizedRcnn).Assembly);
        regs.RegisterAssembly(late);
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["MODEL.RESNETS.DEPTH", "18", "MODEL.RESNETS.RES2_OUT_CHANNELS", "64", "MODEL.ROI_BOX_HEAD.NAME", UserFcBoxHead.RegisteredName,
            "MODEL.ROI_BOX_HEAD.FC_DIM", "8", "MODEL.ROI_HEADS.NAME", "StandardROIHeads", "MODEL.RESNETS.OUT_FEATURES", "['res4']"]);
        using (var model = (Rcnn.Training.Modeling.MetaArch.GeneralizedRcnn)regs.BuildModel(cfg))
        {
            var boxHead = ((Rcnn.Training.Modeling.Roi.StandardRoiHeads)model.RoiHeads).BoxHead;
            Assert.AreSame(late, boxHead.GetType().Assembly);
        }
        Assert.AreSame(ModelRegistries.Default, ModelRegistries.Current, "the plugin's set is current only while it builds");
        context.Unload();
    }
}
