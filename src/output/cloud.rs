//! `rpc cloud check` output.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};

use super::{Format, write_json};
use crate::cloud::check::CloudReport;

/// How many images the human output lists before summarising the rest.
const IMAGES_SHOWN: usize = 20;

/// Writes the report to stdout: sections of tables, or the report as JSON.
pub fn render_cloud_report(report: &CloudReport, format: Format) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Json => write_json(&mut stdout, report),
        Format::Human => write_human(&mut stdout, report),
    }
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
}

fn write_human(out: &mut impl Write, report: &CloudReport) -> io::Result<()> {
    writeln!(out, "cloud: {}", report.source)?;
    writeln!(
        out,
        "project: {}",
        report.project.as_deref().unwrap_or("(not reported)")
    )?;
    writeln!(out, "compute microversion: {}", report.microversion)?;

    let mut endpoints = table(&["SERVICE", "URL", "VERSIONS"]);
    for endpoint in &report.endpoints {
        endpoints.add_row([
            endpoint.service.clone(),
            endpoint.url.clone(),
            endpoint
                .versions
                .as_ref()
                .map_or_else(|| "-".into(), |(min, max)| format!("{min}–{max}")),
        ]);
    }
    writeln!(out, "\nendpoints\n{endpoints}")?;

    let mut flavors = table(&["FLAVOR", "ID", "VCPUS", "RAM MiB", "DISK GiB"]);
    for flavor in &report.flavors {
        flavors.add_row([
            flavor.name.clone(),
            flavor.id.clone(),
            flavor.vcpus.to_string(),
            flavor.ram_mb.to_string(),
            flavor.disk_gb.to_string(),
        ]);
    }
    writeln!(out, "\nflavors\n{flavors}")?;

    let mut networks = table(&["NETWORK", "ID", "SUBNETS", "EXTERNAL"]);
    for network in &report.networks {
        networks.add_row([
            network.name.clone(),
            network.id.clone(),
            network.subnets.len().to_string(),
            if network.external { "yes" } else { "no" }.into(),
        ]);
    }
    writeln!(out, "\nnetworks\n{networks}")?;

    let mut images = table(&["IMAGE", "ID", "STATUS", "CREATED"]);
    for image in report.images.iter().take(IMAGES_SHOWN) {
        images.add_row([
            image.name.clone(),
            image.id.clone(),
            image.status.to_string(),
            image.created.clone().unwrap_or_default(),
        ]);
    }
    writeln!(out, "\nimages ({})\n{images}", report.images.len())?;
    if report.images.len() > IMAGES_SHOWN {
        writeln!(
            out,
            "… and {} more (--output json lists all)",
            report.images.len() - IMAGES_SHOWN
        )?;
    }

    match (&report.limits, &report.limits_error) {
        (Some(limits), _) => {
            let mut quotas = table(&["LIMIT", "VALUE"]);
            for (name, value) in limits {
                quotas.add_row([name.clone(), value.to_string()]);
            }
            writeln!(out, "\ncompute limits\n{quotas}")?;
        }
        (None, why) => writeln!(
            out,
            "\ncompute limits: unavailable ({})",
            why.as_deref().unwrap_or("not reported")
        )?,
    }

    let owned = &report.owned;
    let mut resources = table(&["KIND", "NAME", "ID", "STATE"]);
    for server in &owned.servers {
        resources.add_row([
            "server".into(),
            server.name.clone(),
            server.id.clone(),
            server.status.to_string(),
        ]);
    }
    for image in &owned.images {
        resources.add_row([
            "image".into(),
            image.name.clone(),
            image.id.clone(),
            image.status.to_string(),
        ]);
    }
    for keypair in &owned.keypairs {
        resources.add_row([
            "keypair".into(),
            keypair.name.clone(),
            "-".into(),
            "-".into(),
        ]);
    }
    for group in &owned.security_groups {
        resources.add_row([
            "security group".into(),
            group.name.clone(),
            group.id.clone(),
            format!("{} rules", group.rules.len()),
        ]);
    }
    let count = owned.servers.len()
        + owned.images.len()
        + owned.keypairs.len()
        + owned.security_groups.len();
    if count == 0 {
        writeln!(out, "\nowned by prefix {:?}: nothing", owned.prefix)?;
    } else {
        writeln!(
            out,
            "\nowned by prefix {:?} ({count})\n{resources}",
            owned.prefix
        )?;
    }
    let requests: Vec<String> = report
        .requests
        .iter()
        .map(|(service, n)| format!("{service} {n}"))
        .collect();
    writeln!(out, "\nrequests: {}", requests.join(", "))
}
