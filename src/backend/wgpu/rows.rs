//! The row kernels (softmax, log_softmax, layer_norm) for wgpu storage, run on the host: the op
//! layer keeps wgpu tensors on its composite of GPU kernels (ops/softmax.rs, ops/layer_norm.rs),
//! so these serve only direct backend callers, and keep the trait whole until WGSL row kernels
//! (one workgroup per row) replace them.

use super::WgpuStorage;
use crate::backend::cpu::CpuStorage;
use crate::backend::RowKernels;
use crate::error::Result;
use crate::layout::Layout;

type Operand<'a> = Option<(&'a WgpuStorage, &'a Layout)>;

fn host(p: Operand<'_>) -> Result<Option<(CpuStorage, &Layout)>> {
    p.map(|(s, l)| Ok((s.to_cpu()?, l))).transpose()
}

fn borrow<'a>(p: &'a Option<(CpuStorage, &'a Layout)>) -> Option<(&'a CpuStorage, &'a Layout)> {
    p.as_ref().map(|(s, l)| (s, *l))
}

impl RowKernels for WgpuStorage {
    fn softmax_rows(&self, layout: &Layout, n: usize, log: bool) -> Result<Self> {
        self.on_host(|h| h.softmax_rows(layout, n, log))
    }

    fn softmax_backward_rows(
        &self,
        layout: &Layout,
        y: &Self,
        y_layout: &Layout,
        n: usize,
        log: bool,
    ) -> Result<Self> {
        let hy = y.to_cpu()?;
        self.on_host(|h| h.softmax_backward_rows(layout, &hy, y_layout, n, log))
    }

    fn layer_norm_rows(
        &self,
        layout: &Layout,
        n: usize,
        weight: Operand,
        bias: Operand,
        eps: f64,
    ) -> Result<[Self; 3]> {
        let (w, b) = (host(weight)?, host(bias)?);
        let outs = self.to_cpu()?.layer_norm_rows(layout, n, borrow(&w), borrow(&b), eps)?;
        let [o, m, r] = outs.each_ref().map(WgpuStorage::from_cpu);
        Ok([o?, m?, r?])
    }

    fn layer_norm_backward_rows(
        &self,
        layout: &Layout,
        x: (&Self, &Layout),
        stats: [&Self; 2],
        weight: Operand,
        n: usize,
        want_gxh: bool,
    ) -> Result<(Self, Option<Self>)> {
        let (hx, w) = (x.0.to_cpu()?, host(weight)?);
        let (m, r) = (stats[0].to_cpu()?, stats[1].to_cpu()?);
        let g = self.to_cpu()?;
        let (dx, gxh) = g.layer_norm_backward_rows(layout, (&hx, x.1), [&m, &r], borrow(&w), n, want_gxh)?;
        Ok((WgpuStorage::from_cpu(&dx)?, gxh.as_ref().map(WgpuStorage::from_cpu).transpose()?))
    }
}
