using Rcnn.MLNet.AutoConfig;

namespace Rcnn.MLNet.Tests.AutoConfig;

[TestClass]
public class BudgetScheduleTests
{
    [TestMethod]
    public void StepAtPutsTheScheduleStepAtTheGivenIteration()
    {
        // ceil(70 / 0.8) = 88 and floor(0.8 * 88) = 70; ceil(100 / 0.8) = 125; ceil(1 / 0.8) = 2 and max(1, floor(1.6)) = 1.
        Assert.AreEqual(88, BudgetSchedule.StepAt(70));
        Assert.AreEqual(125, BudgetSchedule.StepAt(100));
        Assert.AreEqual(2, BudgetSchedule.StepAt(1));
        for (int step = 1; step < 3000; step++) Assert.AreEqual(step, BudgetSchedule.LrStep(BudgetSchedule.StepAt(step)), $"step {step}");
    }
}
