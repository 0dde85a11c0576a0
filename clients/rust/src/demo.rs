//! The tutorial's demo client: GetTeam for three cities, printed as the tutorial prints them.
//! It uses the same descriptors and codec as the executor, the way an application would.

use crate::codec::DynamicCodec;
use crate::descriptors::find_method;
use http::uri::PathAndQuery;
use prost_reflect::{DynamicMessage, Value};
use std::error::Error;
use tonic::transport::Endpoint;
use tonic::Request;

pub const CITIES: [&str; 3] = ["Chicago", "Philadelphia", "Miami"];

pub async fn run(target: &str) -> Result<(), Box<dyn Error>> {
    let get_team = find_method("Teams/GetTeam")?;
    let channel = Endpoint::from_shared(format!("http://{target}"))?
        .connect()
        .await?;
    let mut client = tonic::client::Grpc::new(channel);
    for city in CITIES {
        let mut request = DynamicMessage::new(get_team.input());
        request.set_field_by_name("city", Value::String(city.to_owned()));
        client.ready().await?;
        let path = PathAndQuery::from_static("/Teams/GetTeam");
        let team = client
            .unary(
                Request::new(request),
                path,
                DynamicCodec::new(get_team.output()),
            )
            .await?
            .into_inner();
        let field = |name| {
            team.get_field_by_name(name)
                .and_then(|v| v.as_str().map(str::to_owned))
        };
        println!(
            "Teams client received: {} {}",
            field("city").unwrap_or_default(),
            field("nickname").unwrap_or_default()
        );
    }
    Ok(())
}
